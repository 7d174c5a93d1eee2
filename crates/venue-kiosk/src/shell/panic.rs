//! Panics on show day: one that nobody catches is logged and ends the process with exit code 101,
//! whichever thread it happened on, so systemd (or the autostart loop) restarts the kiosk; one inside
//! [`guarded`] (a decoder that panics on a hostile image) is an error message instead.

use std::cell::Cell;

thread_local! {
    /// Set while [`guarded`] runs: a panic there is an expected, handled error (a decoder that
    /// panics on a hostile image), not a reason to restart.
    static PANIC_IS_HANDLED: Cell<bool> = const { Cell::new(false) };
}

/// Log every panic; end the process on any panic that nobody catches.
pub fn install_panic_hook() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if PANIC_IS_HANDLED.with(Cell::get) {
            tracing::warn!("handled panic: {info}");
            return;
        }
        let thread = std::thread::current().name().unwrap_or("unnamed").to_string();
        tracing::error!("panic on thread {thread}: {info}; exiting with code 101 so the service restarts");
        default_hook(info);
        // Exit from here: unwinding a render or worker thread can leave the main loop waiting forever.
        std::process::exit(101);
    }));
}

/// Run `f`, turning a panic into an error message instead of a restart.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let before = PANIC_IS_HANDLED.with(|c| c.replace(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    PANIC_IS_HANDLED.with(|c| c.set(before));
    outcome.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(ToString::to_string)
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guarded_panic_is_an_error_not_a_crash() {
        let outcome: Result<(), String> = guarded(|| panic!("decoder exploded"));
        assert_eq!(outcome, Err("decoder exploded".into()));
        assert_eq!(guarded(|| 5), Ok(5));
        assert!(!PANIC_IS_HANDLED.with(Cell::get), "the flag is restored");
    }
}
