//! Many small networks at once: a [`LanePlan`] runs the lifetime of [`LANES`] members of
//! a population together — `steps` SGD steps on a support set, then the query loss — with
//! one member per SIMD lane (`kernels::lanes`). A plan for the forward pass alone
//! ([`LanePlan::dense`]) serves the population forward (`net::population`), whose
//! readouts equal the row-major kernels' bit for bit.
//!
//! Genes of a lane group are population-major: member `m`'s gene `g` is `genes[g][m]`
//! (index `g · LANES + m` of the flat array). The plan exists only for what the lane
//! kernels compute: dense (untied) layers, and a linear head under mean squared error or
//! a softmax head under cross-entropy (class labels given as one-hot rows). Its
//! results agree with [`Network::loss_and_gradient`] followed by an SGD step within
//! float rounding (the products sum in another order), not bit for bit; a given machine
//! gives the same bits for a lane whatever the other lanes hold.

use super::{Activation, Head, Loss, NetError, Network, kernels};

/// Members per lane group: one AVX-512 register of `f32` (two AVX2 registers).
pub const LANES: usize = 16;

/// One gene (or activation) of every member of a lane group.
pub type Lane = [f32; LANES];

/// A batch of examples shared by every lane: `inputs[rows, features]` and
/// `values[rows, outputs]`, row-major: regression targets under mean squared error, a
/// distribution over classes (one-hot for a label) under cross-entropy.
#[derive(Debug, Clone, Copy)]
pub struct Shots<'a> {
    /// `[rows, features]`.
    pub inputs: &'a [f32],
    /// `[rows, outputs]`.
    pub values: &'a [f32],
}

/// The layer shapes, activations, gene offsets and loss of a dense network, for the lane
/// kernels.
#[derive(Debug, Clone, PartialEq)]
pub struct LanePlan {
    sizes: Vec<usize>,
    /// One per weight layer; the readout's is `Identity` (the linear head).
    activations: Vec<Activation>,
    /// Where each layer's weights start; its biases follow them.
    offsets: Vec<usize>,
    genes: usize,
    /// Mean squared error on a linear head, or cross-entropy on softmax logits; `None`
    /// for a plan of the forward pass alone.
    loss: Option<Loss>,
}

impl LanePlan {
    /// The plan for `net` under `loss`, or `None` when the lane kernels do not cover it
    /// (a tied layer; a head and loss other than linear with mean squared error or
    /// softmax with cross-entropy).
    pub fn new(net: &Network, loss: Loss) -> Option<Self> {
        let covered = matches!(
            (net.architecture().head(), loss),
            (Head::Linear, Loss::Mse) | (Head::Softmax, Loss::CrossEntropy)
        );
        if !covered {
            return None;
        }
        Some(Self {
            loss: Some(loss),
            ..Self::dense(net)?
        })
    }

    /// The plan of the forward pass alone (any head: the readout is the pre-head `z`, as
    /// [`Network::forward`] returns it), or `None` when a layer is tied. Such a plan has
    /// no lifetime.
    pub fn dense(net: &Network) -> Option<Self> {
        let arch = net.architecture();
        let dense = (0..arch.layers()).all(|l| {
            let (k, n) = arch.layer_shape(l);
            net.tying().layer(l).is_dense()
                && net.bias_genes(l).start == net.weight_genes(l).start + k * n
                && net.weight_genes(l).len() == k * n
        });
        if !dense {
            return None;
        }
        let layers = arch.layers();
        Some(Self {
            sizes: (0..layers)
                .map(|l| arch.layer_shape(l).0)
                .chain([arch.outputs()])
                .collect(),
            activations: (0..layers)
                .map(|l| {
                    if l + 1 < layers {
                        arch.activation(l)
                    } else {
                        Activation::Identity
                    }
                })
                .collect(),
            offsets: (0..layers).map(|l| net.weight_genes(l).start).collect(),
            genes: net.genome_len(),
            loss: None,
        })
    }

    /// The loss the lifetime descends and scores; `None` for a plan of the forward pass
    /// alone.
    pub fn loss(&self) -> Option<Loss> {
        self.loss
    }

    /// The lifetime's loss; only [`LanePlan::lifetime`] calls the kernels that need it,
    /// after checking that there is one.
    pub(crate) fn lifetime_loss(&self) -> Loss {
        self.loss.expect("a lifetime plan has a loss")
    }

    /// Weight layers.
    pub fn layers(&self) -> usize {
        self.offsets.len()
    }

    /// Genes of one member.
    pub fn genome_len(&self) -> usize {
        self.genes
    }

    /// `(fan_in, fan_out)` of weight layer `layer`.
    pub(crate) fn layer_shape(&self, layer: usize) -> (usize, usize) {
        (self.sizes[layer], self.sizes[layer + 1])
    }

    /// The activation after weight layer `layer` (`Identity` for the readout).
    pub(crate) fn activation(&self, layer: usize) -> Activation {
        self.activations[layer]
    }

    /// Layer `layer`'s weights `[fan_in, fan_out]` and biases `[fan_out]` in `genes`.
    pub(crate) fn layer_genes<'g>(
        &self,
        genes: &'g [Lane],
        layer: usize,
    ) -> (&'g [Lane], &'g [Lane]) {
        let (k, n) = self.layer_shape(layer);
        genes[self.offsets[layer]..self.offsets[layer] + k * n + n].split_at(k * n)
    }

    /// [`LanePlan::layer_genes`], writable.
    pub(crate) fn layer_genes_mut<'g>(
        &self,
        genes: &'g mut [Lane],
        layer: usize,
    ) -> (&'g mut [Lane], &'g mut [Lane]) {
        let (k, n) = self.layer_shape(layer);
        genes[self.offsets[layer]..self.offsets[layer] + k * n + n].split_at_mut(k * n)
    }

    /// Lays out up to [`LANES`] genomes population-major in `genes` (resized to
    /// `genome_len` lanes). Lanes past the last member repeat it, so that padding computes
    /// finite, ignorable values. Each genome's first `genome_len` genes are used.
    pub fn pack(&self, members: &[&[f32]], genes: &mut Vec<Lane>) {
        assert!(
            !members.is_empty() && members.len() <= LANES,
            "a lane group holds 1..={LANES} members, not {}",
            members.len()
        );
        genes.resize(self.genes, [0.0; LANES]);
        let rows: [&[f32]; LANES] =
            std::array::from_fn(|m| &members[m.min(members.len() - 1)][..self.genes]);
        // Gene by gene: sixteen loads, each from a member read front to back, and one
        // whole-lane store, rather than sixteen scattered stores per gene.
        for (g, lane) in genes.iter_mut().enumerate() {
            *lane = std::array::from_fn(|m| rows[m][g]);
        }
    }

    /// Lane `lane`'s genome out of population-major `genes`, into `genome`.
    pub fn unpack(&self, genes: &[Lane], lane: usize, genome: &mut [f32]) {
        for (g, l) in genome.iter_mut().zip(genes) {
            *g = l[lane];
        }
    }

    /// Each lane's lifetime: `steps` full-batch SGD steps on `support` (weight layer `l`
    /// at rate `layer_lrs[l]`, lane by lane) applied to `genes` in place, then the loss
    /// (mean squared error, or mean cross-entropy) of the adapted lanes on `query`.
    ///
    /// # Panics
    /// For a plan of the forward pass alone ([`LanePlan::dense`]).
    pub fn lifetime(
        &self,
        genes: &mut [Lane],
        layer_lrs: &[Lane],
        steps: usize,
        support: Shots,
        query: Shots,
        scratch: &mut LaneScratch,
    ) -> Result<[f64; LANES], NetError> {
        if genes.len() != self.genes {
            return Err(NetError::GenomeLength {
                expected: self.genes,
                got: genes.len(),
            });
        }
        assert!(
            self.loss.is_some(),
            "a forward-only lane plan has no lifetime"
        );
        assert_eq!(layer_lrs.len(), self.layers(), "one rate per weight layer");
        self.check(support)?;
        self.check(query)?;
        Ok(kernels::lane_lifetime(
            self, genes, layer_lrs, steps, support, query, scratch,
        ))
    }

    fn check(&self, shots: Shots) -> Result<(), NetError> {
        let (features, outputs) = (self.sizes[0], self.sizes[self.layers()]);
        let rows = shots.inputs.len() / features;
        if rows == 0 {
            return Err(NetError::EmptyBatch);
        }
        if rows * features != shots.inputs.len() || rows * outputs != shots.values.len() {
            return Err(NetError::InputShape {
                batch: rows,
                features,
                got: shots.inputs.len(),
            });
        }
        Ok(())
    }
}

/// Buffers for lane lifetimes, reused across calls: after the first call at a given
/// batch size, no call allocates.
#[derive(Debug, Default, Clone)]
pub struct LaneScratch {
    /// The batch's inputs, each value copied into every lane, `[rows, features]`.
    pub(crate) input: Vec<Lane>,
    /// `activations[l]`: the output of weight layer `l`, `[rows, fan_out]`.
    pub(crate) activations: Vec<Vec<Lane>>,
    pub(crate) delta: Vec<Lane>,
    pub(crate) delta_next: Vec<Lane>,
}

impl LaneScratch {
    /// Sizes the buffers for `inputs[rows, features]` and copies them into every lane.
    pub(crate) fn prepare(&mut self, plan: &LanePlan, inputs: &[f32]) {
        let rows = inputs.len() / plan.sizes[0];
        self.input.clear();
        self.input.extend(inputs.iter().map(|&x| [x; LANES]));
        self.activations.resize_with(plan.layers(), Vec::new);
        for (l, a) in self.activations.iter_mut().enumerate() {
            a.resize(rows * plan.layer_shape(l).1, [0.0; LANES]);
        }
    }
}
