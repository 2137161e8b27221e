//! The analyzer's form table: normalized form → [`FormId`].
//!
//! Open addressing with linear probing over 32-byte slots, one per cache line half: a slot
//! holds the form itself (up to [`INLINE`] bytes, zero-padded), 32 bits of its hash and its
//! id, so that a lookup reads one cache line where a `HashMap` of inline keys read two (its
//! control bytes, then the bucket). The caller hashes a sentence's forms first and
//! [`FormTable::prefetch`]es their slots, so that the misses of rare forms (most of the
//! lookup time on real text) overlap instead of following one another. Forms longer than
//! [`INLINE`] bytes (a few per cent of tokens) go to a plain map beside.

use std::hash::BuildHasher;

use rustc_hash::FxHashMap;

use super::FormId;

/// The longest normalized form (in bytes) kept in a slot: 11 Cyrillic letters.
const INLINE: usize = 23;

#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Slot {
    /// The id + 1; 0 for an empty slot.
    id: u32,
    /// The low 32 bits of the form's hash (its slot, and a first test).
    hash: u32,
    len: u8,
    bytes: [u8; INLINE],
}

const EMPTY: Slot = Slot {
    id: 0,
    hash: 0,
    len: 0,
    bytes: [0; INLINE],
};

impl Slot {
    fn key(form: &[u8], hash: u32) -> Slot {
        let mut bytes = [0u8; INLINE];
        bytes[..form.len()].copy_from_slice(form);
        Slot {
            id: 0,
            hash,
            len: form.len() as u8,
            bytes,
        }
    }

    fn same_key(&self, other: &Slot) -> bool {
        self.hash == other.hash && self.len == other.len && self.bytes == other.bytes
    }
}

/// The hash a form is looked up by.
pub(super) fn hash(form: &[u8]) -> u32 {
    rustc_hash::FxBuildHasher.hash_one(form) as u32
}

/// Normalized form → id (see the module documentation).
pub(super) struct FormTable {
    slots: Vec<Slot>,
    /// Forms in `slots`.
    short: usize,
    long: FxHashMap<Box<[u8]>, FormId>,
}

impl Default for FormTable {
    fn default() -> Self {
        FormTable {
            slots: vec![EMPTY; 1024],
            short: 0,
            long: FxHashMap::default(),
        }
    }
}

impl FormTable {
    /// Forgets every form (keeping the memory).
    pub(super) fn clear(&mut self) {
        self.slots.fill(EMPTY);
        self.short = 0;
        self.long.clear();
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// Asks the CPU to load the slot where a form of hash `h` would be (a hint; no effect
    /// on results).
    #[inline]
    pub(super) fn prefetch(&self, h: u32) {
        #[cfg(target_arch = "x86_64")]
        {
            let slot = &self.slots[h as usize & self.mask()];
            // SAFETY: a prefetch of an address inside `slots` (the intrinsic only reads it
            // into the cache; SSE is part of x86_64).
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    (slot as *const Slot).cast::<i8>(),
                );
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = h;
    }

    /// The id of `form` (whose hash is `h`), if it is in the table.
    #[inline]
    pub(super) fn get(&self, form: &[u8], h: u32) -> Option<FormId> {
        if form.len() > INLINE {
            return self.long.get(form).copied();
        }
        let probe = Slot::key(form, h);
        let mask = self.mask();
        let mut i = h as usize & mask;
        loop {
            let s = &self.slots[i];
            if s.id == 0 {
                return None;
            }
            if s.same_key(&probe) {
                return Some(FormId(s.id - 1));
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds `form` (hash `h`, not in the table) with `id`.
    pub(super) fn insert(&mut self, form: &[u8], h: u32, id: FormId) {
        if form.len() > INLINE {
            self.long.insert(form.into(), id);
            return;
        }
        // At most 70 % full: linear probing stays short.
        if (self.short + 1) * 10 > self.slots.len() * 7 {
            let doubled = vec![EMPTY; self.slots.len() * 2];
            let old = std::mem::replace(&mut self.slots, doubled);
            for s in old.into_iter().filter(|s| s.id != 0) {
                self.place(s);
            }
        }
        let mut slot = Slot::key(form, h);
        slot.id = id.0 + 1;
        self.place(slot);
        self.short += 1;
    }

    fn place(&mut self, slot: Slot) {
        let mask = self.mask();
        let mut i = slot.hash as usize & mask;
        while self.slots[i].id != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_it_holds_through_growth_and_clear() {
        let mut t = FormTable::default();
        // Short and long forms, enough to grow the slots several times, and forms that
        // differ only in length or the last byte.
        let forms: Vec<Vec<u8>> = (0..5000u32)
            .map(|n| {
                let mut f = format!("слово{n}").into_bytes();
                if n % 7 == 0 {
                    f.extend_from_slice("-продолжение-длинное".as_bytes());
                }
                f
            })
            .collect();
        for (i, f) in forms.iter().enumerate() {
            assert_eq!(t.get(f, hash(f)), None);
            t.insert(f, hash(f), FormId(i as u32));
        }
        assert!(t.slots.len() >= 4096, "grew: {}", t.slots.len());
        for (i, f) in forms.iter().enumerate() {
            assert_eq!(t.get(f, hash(f)), Some(FormId(i as u32)), "{f:?}");
        }
        assert_eq!(t.get(b"slovo", hash(b"slovo")), None);
        assert_eq!(
            t.get("слово1".as_bytes(), 0),
            None,
            "another hash is another key"
        );
        // Exactly INLINE bytes stays in the slots; one more goes to the map.
        let edge = [b'a'; INLINE];
        let over = [b'a'; INLINE + 1];
        t.insert(&edge, hash(&edge), FormId(9000));
        t.insert(&over, hash(&over), FormId(9001));
        assert_eq!(t.get(&edge, hash(&edge)), Some(FormId(9000)));
        assert_eq!(t.get(&over, hash(&over)), Some(FormId(9001)));
        assert_eq!(t.get(&edge[..INLINE - 1], hash(&edge[..INLINE - 1])), None);
        t.clear();
        assert!(forms.iter().all(|f| t.get(f, hash(f)).is_none()));
        t.insert(&forms[3], hash(&forms[3]), FormId(0));
        assert_eq!(t.get(&forms[3], hash(&forms[3])), Some(FormId(0)));
    }
}
