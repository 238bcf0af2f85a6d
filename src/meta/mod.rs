//! `meta`: slow learning (evolution) shaping what fast learning (a lifetime) must do.
//! Each model here owns its genome, its lifetime learning and its selection; the
//! experiment layer only configures, runs and reports them.

pub mod hinton_nowlan;
