//! The one place the crate asks the CPU which instruction sets its kernels may use.
//!
//! The network kernels (`net::kernels`) and Adam's elementwise update (`optim`) both
//! dispatch on [`simd`], so a machine's builds are chosen once and by one rule. A leaf
//! module: it knows nothing of networks or optimisers.

// Off x86-64 nothing dispatches: every caller takes the baseline build unconditionally.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

use std::sync::OnceLock;

/// The SIMD level of this CPU, best last. The paths that exist:
///
/// - `Avx512Fma` (AVX-512F with AVX2 and FMA): the network kernels run their AVX-512
///   build (a wider product tile in thirty-two 16-lane registers), the lane kernels
///   (`net::kernels::lanes`, one population member per SIMD lane) theirs; Adam runs its
///   AVX2 build. Both kernel families fuse the same multiply-adds in the same order as in
///   their AVX2 + FMA builds, so the bits are those of `Avx2Fma`.
/// - `Avx2Fma`: the network and lane kernels run their AVX2 + FMA build (products fuse
///   their multiply-adds); Adam runs its AVX2 build.
/// - `Avx2` (x86-64 with AVX2 but no FMA, as some virtual machines report): the network
///   kernels run their baseline build; Adam runs its AVX2 build.
/// - `Baseline` (older x86-64, other targets): every kernel runs its baseline build.
///
/// Adam's AVX2 build uses no fused multiply-adds, so its bits are the same on every
/// x86-64; the network kernels' bits depend on whether the level has FMA, so a given
/// machine always gives the same bits, and so do all machines with FMA, but not every
/// machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Simd {
    Baseline,
    Avx2,
    Avx2Fma,
    Avx512Fma,
}

impl Simd {
    /// Whether the CPU has AVX2. Callers rely on it for `#[target_feature]` soundness.
    pub(crate) fn has_avx2(self) -> bool {
        self >= Simd::Avx2
    }

    /// Whether the CPU has AVX2 and FMA. Callers rely on it for `#[target_feature]`
    /// soundness.
    pub(crate) fn has_avx2_fma(self) -> bool {
        self >= Simd::Avx2Fma
    }

    /// Whether the CPU has AVX-512F besides AVX2 and FMA. Callers rely on it for
    /// `#[target_feature]` soundness.
    pub(crate) fn has_avx512_fma(self) -> bool {
        self == Simd::Avx512Fma
    }
}

/// This CPU's level, detected on the first call and cached (a load after that).
pub(crate) fn simd() -> Simd {
    static LEVEL: OnceLock<Simd> = OnceLock::new();
    *LEVEL.get_or_init(detect)
}

fn detect() -> Simd {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx512f") && has!("avx2") && has!("fma") {
            return Simd::Avx512Fma;
        }
        if has!("avx2") && has!("fma") {
            return Simd::Avx2Fma;
        }
        if has!("avx2") {
            return Simd::Avx2;
        }
    }
    Simd::Baseline
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cached_level_claims_no_feature_the_cpu_lacks() {
        let level = simd();
        assert_eq!(level, simd(), "the level is fixed once detected");
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            assert_eq!(level.has_avx2(), has!("avx2"));
            assert_eq!(level.has_avx2_fma(), has!("avx2") && has!("fma"));
            let avx512 = has!("avx512f") && has!("avx2") && has!("fma");
            assert_eq!(level.has_avx512_fma(), avx512);
        }
        #[cfg(not(target_arch = "x86_64"))]
        assert_eq!(level, Simd::Baseline);
    }
}
