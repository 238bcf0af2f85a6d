//! One outer step of each loop: what `Outer::step` does for pre-training, Reptile,
//! (first-order) MAML and evolution, and the examples each charges.

use super::{Loop, Outer};
use crate::evolve::{DriverError, Strategy};
use crate::meta::family::{FewShotTask, Phase};
use crate::meta::inner::adapt;
use crate::meta::lifetime::rates;
use crate::meta::maml::maml_gradient;
use crate::meta::method::Anneal;
use crate::net::NetError;
use crate::optim::Optimizer;
use crate::task::{Dataset, Labels};

impl Outer<'_> {
    fn sample_task(&mut self) -> FewShotTask {
        self.family
            .sample(&mut self.tasks, self.shots, Phase::Train, self.images)
    }

    /// One outer step (a generation, for evolution).
    pub fn step(&mut self) -> Result<(), NetError> {
        match &self.run {
            Loop::Scratch => {}
            Loop::Pretrain { .. } => self.pretrain()?,
            &Loop::Reptile {
                outer_lr,
                meta_batch,
                anneal,
            } => {
                let epsilon = match anneal {
                    Anneal::None => outer_lr,
                    Anneal::Linear => {
                        let done = self.samples() as f64 / self.budget.max(1) as f64;
                        outer_lr * (1.0 - done).max(0.0) as f32
                    }
                };
                // The mean of the meta-batch's adapted weights (Nichol et al. 2018, alg. 2).
                let mut mean = vec![0.0f32; self.weights.len()];
                for _ in 0..meta_batch {
                    let task = self.sample_task();
                    let mut adapted = self.weights.clone();
                    // Reptile never looks at the query points.
                    self.drawn += task.support.len() as u64;
                    self.evaluations += self.adapt(&mut adapted, &task.support)?;
                    mean.iter_mut().zip(&adapted).for_each(|(m, a)| *m += a);
                }
                let tasks = meta_batch as f32;
                for (w, m) in self.weights.iter_mut().zip(&mean) {
                    *w += epsilon * (m / tasks - *w);
                }
            }
            &Loop::Maml {
                meta_batch,
                second_order,
            } => {
                let mut mean = vec![0.0f32; self.weights.len()];
                for _ in 0..meta_batch {
                    let task = self.sample_task();
                    self.drawn += (task.support.len() + task.query.len()) as u64;
                    self.evaluations += self.meta_gradient(&task, second_order)?;
                    mean.iter_mut()
                        .zip(&self.scratch.grad)
                        .for_each(|(m, g)| *m += g);
                }
                let tasks = meta_batch as f32;
                mean.iter_mut().for_each(|m| *m /= tasks);
                self.adam.step(&mut self.weights, &mean);
            }
            &Loop::Evolution { tasks, .. } => self.generation(tasks)?,
        }
        self.steps += 1;
        Ok(())
    }

    /// One Adam step of pre-training on one task's support and query: on the base-class
    /// classifier with the images' true classes (digits), or on the network itself.
    fn pretrain(&mut self) -> Result<(), NetError> {
        let task = self.sample_task();
        let mut pooled = concat(&task.support, &task.query);
        let Loop::Pretrain { base } = &mut self.run else {
            unreachable!("called for pre-training only")
        };
        let (net, weights) = match base {
            Some(base) => {
                if let Labels::Classes { labels, classes } = &mut pooled.labels {
                    // A task's label l is its class task.classes[l]; the base readout
                    // has one output per base class.
                    for label in labels.iter_mut() {
                        let class = task.classes[*label as usize];
                        *label = base.classes.iter().position(|&c| c == class).unwrap_or(0) as u32;
                    }
                    *classes = base.classes.len();
                }
                (&base.net, &mut base.weights)
            }
            None => (self.net, &mut self.weights),
        };
        self.scratch.grad.resize(net.genome_len(), 0.0);
        self.readout.loss_and_gradient(
            net,
            weights,
            &pooled.inputs,
            pooled.targets(),
            self.loss,
            &mut self.scratch.ws,
            &mut self.scratch.cosine,
            &mut self.scratch.grad,
        )?;
        self.adam.step(weights, &self.scratch.grad);
        if let Some(base) = base {
            // The shaped network is the classifier's body under its own (new) readout.
            let body = self
                .net
                .weight_genes(self.net.architecture().layers() - 1)
                .start;
            self.weights[..body].copy_from_slice(&base.weights[..body]);
        }
        self.drawn += pooled.len() as u64;
        self.evaluations += pooled.len() as u64;
        Ok(())
    }

    /// One task's meta-gradient into `scratch.grad`; returns the examples consumed.
    fn meta_gradient(&mut self, task: &FewShotTask, second_order: bool) -> Result<u64, NetError> {
        if second_order {
            let mut grad = std::mem::take(&mut self.scratch.grad);
            grad.resize(self.net.genome_len(), 0.0);
            let (_, examples) = maml_gradient(
                self.net,
                &self.weights,
                task,
                self.loss,
                &self.inner,
                &mut self.scratch,
                &mut grad,
            )?;
            self.scratch.grad = grad;
            return Ok(examples);
        }
        let mut adapted = self.weights.clone();
        let examples = self.adapt(&mut adapted, &task.support)?;
        // First-order: the query gradient at the adapted weights stands in for the
        // gradient with respect to the initialisation.
        self.net.loss_and_gradient(
            &adapted,
            &task.query.inputs,
            task.query.targets(),
            self.loss,
            &mut self.scratch.ws,
            &mut self.scratch.grad,
        )?;
        Ok(examples + task.query.len() as u64)
    }

    fn adapt(&mut self, genes: &mut [f32], support: &Dataset) -> Result<u64, NetError> {
        let (net, loss) = (self.net, self.loss);
        adapt(
            net,
            genes,
            support,
            loss,
            &self.inner,
            None,
            &mut self.scratch,
            |_, _| Ok(()),
        )
    }

    fn generation(&mut self, tasks: usize) -> Result<(), NetError> {
        let sampled: Vec<FewShotTask> = (0..tasks).map(|_| self.sample_task()).collect();
        let weights_len = self.net.genome_len();
        let Loop::Evolution {
            driver, evolve_lr, ..
        } = &mut self.run
        else {
            unreachable!("called for evolution only")
        };
        driver.fitness_mut().tasks = sampled;
        let report = driver.step().map_err(|e| match e {
            DriverError::Fitness(e) => e,
            DriverError::Strategy(e) => unreachable!("one fitness value per member: {e}"),
            DriverError::Group(e) => NetError::Exchange(e.to_string()),
        })?;
        self.drawn += report.examples_drawn;
        self.evaluations += report.example_evaluations;
        let center = driver.strategy().center().genes;
        self.weights.copy_from_slice(&center[..weights_len]);
        if *evolve_lr {
            self.lrs = Some(rates(&center[weights_len..]));
        }
        Ok(())
    }
}

/// Support and query of one task as one data set (pooled training).
fn concat(a: &Dataset, b: &Dataset) -> Dataset {
    let mut inputs = a.inputs.clone();
    inputs.extend_from_slice(&b.inputs);
    let labels = match (&a.labels, &b.labels) {
        (Labels::Classes { labels: x, classes }, Labels::Classes { labels: y, .. }) => {
            Labels::Classes {
                labels: x.iter().chain(y).copied().collect(),
                classes: *classes,
            }
        }
        (Labels::Values { values: x, width }, Labels::Values { values: y, .. }) => Labels::Values {
            values: x.iter().chain(y).copied().collect(),
            width: *width,
        },
        _ => unreachable!("support and query of one task share a label kind"),
    };
    Dataset {
        inputs,
        features: a.features,
        labels,
    }
}
