//! A short-lived cache of the small lists that pages show beside their data — the grids of a scope for the
//! filters, the case categories — so that a list page does not read them again for every request.
//!
//! Writes made through the application ([`crate::registry::nodes`], [`crate::cases::categories`]) clear
//! it at once; changes made behind the server's back (SQL, another process) show within [`TTL`], as for the
//! session cache.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an entry is used.
pub const TTL: Duration = Duration::from_secs(5);

type Entry = (Instant, Arc<dyn Any + Send + Sync>);

#[derive(Default)]
pub struct Lists {
    map: Mutex<HashMap<String, Entry>>,
    /// Bumped by every clear, so that a list read before a write is not stored after it.
    generation: AtomicU64,
}

impl Lists {
    /// The list stored under `key`, unless it is older than [`TTL`].
    pub fn get<T: Any + Send + Sync>(&self, key: &str) -> Option<Arc<T>> {
        let map = self.map.lock().expect("list cache");
        let (at, v) = map.get(key)?;
        if at.elapsed() >= TTL {
            return None;
        }
        v.clone().downcast::<T>().ok()
    }

    /// Take this before reading a list from the database and hand it to [`Lists::put`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Stores a list read at `generation`, unless a write cleared the cache since.
    pub fn put<T: Any + Send + Sync>(&self, key: String, generation: u64, value: Arc<T>) {
        let mut map = self.map.lock().expect("list cache");
        if self.generation.load(Ordering::SeqCst) == generation {
            map.insert(key, (Instant::now(), value));
        }
    }

    /// Forgets every list (after a write to what they show).
    pub fn clear(&self) {
        let mut map = self.map.lock().expect("list cache");
        self.generation.fetch_add(1, Ordering::SeqCst);
        map.clear();
    }
}
