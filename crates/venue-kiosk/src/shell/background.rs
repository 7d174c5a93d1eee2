//! Journal writes off the main thread: each append fsyncs, which must never stall a frame.

use std::fmt::{Debug, Display};
use std::sync::{Arc, Mutex};

use bevy::tasks::IoTaskPool;

/// Appends `entry` with `append` on the I/O pool; a failure is logged and the screen goes on.
pub fn append_later<J, E, Err>(journal: &Arc<Mutex<J>>, entry: E, append: fn(&mut J, &E) -> Result<(), Err>)
where
    J: Send + 'static,
    E: Debug + Send + 'static,
    Err: Display + 'static,
{
    let journal = journal.clone();
    IoTaskPool::get()
        .spawn(async move {
            if let Ok(mut j) = journal.lock()
                && let Err(e) = append(&mut j, &entry)
            {
                tracing::error!("cannot journal {entry:?}: {e}");
            }
        })
        .detach();
}
