//! How this process takes part in a run: alone, or — built with `--features mpi` and
//! started by `mpirun` — as one rank of an MPI job, where rank 0 alone prints and draws
//! bars, and a failure on any rank ends the whole job instead of leaving the others
//! waiting for it.

use std::process::ExitCode;

use baldwin::experiment::runner::{Alone, Cluster};

/// This process's place in the run.
pub struct Launch {
    cluster: Box<dyn Cluster>,
    /// Kept until the end of `main`: MPI is finalised when it is dropped, after the
    /// cluster (fields drop in order).
    #[cfg(feature = "mpi")]
    _universe: Option<mpi::environment::Universe>,
}

/// Whether a launcher (OpenMPI's mpirun, or a PMI/PMIx one) started this process.
#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
fn under_mpirun() -> bool {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
}

impl Launch {
    /// One process, or, under mpirun with the `mpi` feature, MPI initialised and this
    /// process one rank of the job's world.
    pub fn start() -> Self {
        #[cfg(feature = "mpi")]
        if under_mpirun()
            && let Some(universe) = mpi::initialize()
        {
            let world = universe.world();
            return Self {
                cluster: Box::new(baldwin::experiment::runner::mpi::MpiCluster::new(world)),
                _universe: Some(universe),
            };
        }
        Self {
            cluster: Box::new(Alone),
            #[cfg(feature = "mpi")]
            _universe: None,
        }
    }

    /// The processes this one runs with.
    pub fn cluster(&self) -> &dyn Cluster {
        &*self.cluster
    }

    /// Whether this process prints: alone, or rank 0 of the job.
    pub fn is_root(&self) -> bool {
        self.cluster.rank() == 0
    }

    /// End with `code` after printing `message`. Alone, that is an exit code. In an MPI
    /// job every rank that fails says so with its rank and ends the job (`MPI_Abort`),
    /// since the others may be waiting for it; mpirun then reports `code`.
    pub fn fail(self, code: u8, message: &str) -> ExitCode {
        if self.cluster.size() == 1 {
            eprintln!("{message}");
            return ExitCode::from(code);
        }
        eprintln!("rank {}: {message}", self.cluster.rank());
        #[cfg(feature = "mpi")]
        if let Some(universe) = &self._universe {
            use mpi::traits::Communicator;
            universe.world().abort(i32::from(code));
        }
        ExitCode::from(code)
    }
}
