//! Process-wide settings of the bundled SQLite, made once before the first connection initialises the
//! library (`sqlite3_config` is refused afterwards).
//!
//! Under 100 concurrent clients the list page spent about a fifth of its CPU in glibc's malloc on behalf of
//! SQLite (every column value leaving SQLite is copied by sqlx into a fresh allocation), and with memory
//! statistics on every one of those allocations took one global mutex, so the connections' threads queued on
//! it (futex calls were most of the server's system time). SQLite therefore allocates with mimalloc, the
//! allocator the rest of the server uses, and keeps no statistics.

use std::ffi::{c_int, c_void};

use libsqlite3_sys as ffi;

extern "C" {
    // Part of mimalloc's C library, which libmimalloc-sys links; its Rust binding sits behind a feature.
    fn mi_usable_size(p: *const c_void) -> usize;
}

unsafe extern "C" fn x_malloc(n: c_int) -> *mut c_void {
    libmimalloc_sys::mi_malloc(n.max(0) as usize)
}

unsafe extern "C" fn x_free(p: *mut c_void) {
    libmimalloc_sys::mi_free(p)
}

unsafe extern "C" fn x_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    libmimalloc_sys::mi_realloc(p, n.max(0) as usize)
}

unsafe extern "C" fn x_size(p: *mut c_void) -> c_int {
    if p.is_null() {
        0
    } else {
        mi_usable_size(p).min(c_int::MAX as usize) as c_int
    }
}

unsafe extern "C" fn x_roundup(n: c_int) -> c_int {
    (n + 7) & !7
}

unsafe extern "C" fn x_init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_shutdown(_: *mut c_void) {}

/// Applies the settings; later calls do nothing.
pub fn once() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let methods = ffi::sqlite3_mem_methods {
            xMalloc: Some(x_malloc),
            xFree: Some(x_free),
            xRealloc: Some(x_realloc),
            xSize: Some(x_size),
            xRoundup: Some(x_roundup),
            xInit: Some(x_init),
            xShutdown: Some(x_shutdown),
            pAppData: std::ptr::null_mut(),
        };
        // SAFETY: sqlite3_config is allowed before sqlite3_initialize, and this runs before any connection
        // is opened. Had something else in the process initialised the library already, both calls fail
        // with SQLITE_MISUSE and change nothing. SQLite copies the methods before sqlite3_config returns.
        let rc = unsafe {
            ffi::sqlite3_config(
                ffi::SQLITE_CONFIG_MALLOC,
                &methods as *const ffi::sqlite3_mem_methods,
            ) | ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int)
        };
        if rc != ffi::SQLITE_OK {
            tracing::warn!(
                "SQLite was initialised before its configuration; default allocator kept"
            );
        }
    });
}
