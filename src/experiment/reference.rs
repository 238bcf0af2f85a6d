//! The reference of every experiment key, printed by `baldwin list` and shown in the
//! README. A test parses a file that uses every key listed here.

/// Every key, its default and its allowed values.
pub const REFERENCE: &str = r#"Experiment file reference (TOML). Unknown keys are errors. The top-level `kind` picks
the experiment type: compare (default) | few_shot | hinton_nowlan.

top level
  name          required  letters, digits, '-', '_'; names the results folder
  description   ""        free text
  seeds         5         runs per arm, seeds 0..seeds

[task]
  kind          required  xor | parity | spirals | digits | sine | motif | mirror
  bits          6         parity: string length, 2..16 (all 2^bits strings; train = test)
  points        200       spirals: points per class (train and test each)
  noise         0.05      spirals: uniform noise added to each coordinate
  length        16        motif, mirror: bit-string length, 2..64
  motif         [1,1,0,1] motif: the pattern whose presence anywhere is the label
  train         1000      sine, motif, mirror: training rows (sine: 200)
  test          500       sine, motif, mirror: test rows
  seed          0         spirals, sine, motif, mirror: data seed
  (xor and digits take no keys; digits uses the fixed 1,348 / 449 split)

[network]
  hidden        [32]      hidden layer sizes
  activation    tanh      tanh | relu | sigmoid | identity
  tying         none      none | translation | mirror | all   (hidden layers only)
  tile          [4, 4]    tile shape [rows, cols]; must divide every hidden weight matrix
                          (with tying = none and no tile: one dense tile per layer)
  (inputs and outputs come from the task; classification tasks use a softmax head with
   cross-entropy, xor/parity/sine a linear head with MSE)

[budget]
  samples       required  training examples each run may consume
  checkpoints   40        evaluation points, log-spaced in samples
  target        none      test accuracy (sine: test MSE) that counts as solved

[[arm]]  (one table per learner to compare)
  name          required  unique label, used in plots and file names
  learner       required  gradient | evolution
  batch         32 / 64   examples per gradient step / per individual per generation
  tying, tile   [network] override the network's tying for this arm

  learner = "gradient"
    optimizer     adam      sgd | momentum | adam
    lr            0.001     (0.05 for sgd and momentum)
    momentum      0.9       momentum: heavy-ball coefficient
    weight_decay  0         L2 (sgd, momentum) or decoupled (adam)

  learner = "evolution"
    strategy      required  ga | openai_es | snes | cma_es | sep_cma_es
    population    128       (64 for snes, cma_es, sep_cma_es)

    strategy = "openai_es"  (Salimans et al. 2017)
      sigma         0.05      perturbation standard deviation
      lr            0.01      Adam step size on the mean
      weight_decay  0         on the mean
      antithetic    true      mirrored pairs; population must then be even
      shaping       centred_ranks   raw | centred_ranks | z_score | nes_utilities

    strategy = "snes" | "cma_es" | "sep_cma_es"
      sigma         0.1       initial step size
      (full cma_es refuses genomes whose covariance would exceed 512 MiB)

    strategy = "ga"  (Such et al. 2017)
      elite          1           best members copied unchanged
      selection      truncation  truncation | tournament
      truncation     0.2         fraction of the population that may parent
      tournament     4           tournament size
      mutation_sigma 0.02        Gaussian mutation step
      self_adaptive  false       per-member step size, log-normal rule
      crossover      none        none | uniform | blocks (whole gene blocks)
      crossover_rate 0.5
      tie_rate       0           per child: point a tile at another gene block
      untie_rate     0           per child: duplicate a shared block (gene duplication)

kind = "few_shot"  (slow versus fast learning; see experiments/sine-few-shot.toml)
  name, description, seeds   as above
  [family]
    kind          required  sine | digits
    query         10        query points (digits: images per class) scoring each task
    ways          5         digits: classes per task (labels permuted per task)
    train_classes [0..4]    digits: classes the outer loop may see
    test_classes  [5..9]    digits: held-out classes for evaluation
  [network]     hidden, activation as above (dense; inputs and outputs from the family)
  [inner]       the lifetime (fast) learner
    shots         required  K support examples (per class) during outer training
    steps         5         full-batch gradient steps on the support set
    lr            0.01
    optimizer     sgd       sgd | adam
  [evaluation]
    shots         [K]       K of the held-out evaluation tasks
    steps         10        inner steps at evaluation (the adaptation curve)
    tasks         100       fixed evaluation tasks, the same for every method and seed
  [budget]
    outer_samples required  examples each outer loop may consume (inner steps included)
    checkpoints   12
  [[arm]]
    name          required
    method        required  scratch | pretrain | reptile | fomaml | evolution
    lr            0.001     pretrain: Adam step size
    outer_lr      0.1/0.001 reptile: step towards adapted weights; fomaml: Adam step size
    inner_steps, inner_lr, inner_optimizer   override [inner] for this arm
    method = "evolution": the strategy keys above, plus
      tasks         1         tasks per generation, shared by all members
      evolve_lr     false     evolve one log learning rate per layer (plasticity)
      lamarckian    false     write adapted weights back into the genome (ga only)

kind = "hinton_nowlan"  (Hinton & Nowlan 1987; see experiments/hinton-nowlan.toml)
  [hinton_nowlan]  loci 20, population 1000, trials 1000, generations 50,
                   p_correct 0.25, p_incorrect 0.25, seeds 10, learning true, control true
"#;
