// SPDX-License-Identifier: GPL-2.0

//! Pending unit attention conditions of a logical unit (SAM-5, "Unit
//! attention conditions"; SPC-4, "Unit attention condition").
//!
//! A small queue, oldest first, without duplicates. A reset condition
//! (ASC 0x29) replaces everything queued: after a power on or reset the
//! initiator has to assume every other change anyway. The queue reports
//! the reset first and the other conditions in the order they arose.

/// Most conditions kept at once; further distinct ones are dropped.
pub const UA_QUEUE_LEN: usize = 8;

/// The pending unit attention conditions, as `(ASC, ASCQ)` pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitAttentions {
    q: [(u8, u8); UA_QUEUE_LEN],
    n: usize,
}

impl Default for UnitAttentions {
    fn default() -> Self {
        Self::new()
    }
}

impl UnitAttentions {
    /// An empty queue.
    pub const fn new() -> UnitAttentions {
        UnitAttentions {
            q: [(0, 0); UA_QUEUE_LEN],
            n: 0,
        }
    }

    /// Number of pending conditions.
    pub fn len(&self) -> usize {
        self.n
    }

    /// `true` if nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The pending conditions, oldest first.
    pub fn as_slice(&self) -> &[(u8, u8)] {
        self.q.get(..self.n).unwrap_or(&[])
    }

    /// `true` if `code` is pending.
    pub fn contains(&self, code: (u8, u8)) -> bool {
        self.as_slice().contains(&code)
    }

    /// Queues `code` unless it is already pending (or the queue is full).
    /// A reset condition (ASC 0x29) replaces the whole queue.
    pub fn push(&mut self, code: (u8, u8)) {
        if code.0 == 0x29 {
            self.n = 0;
        } else if self.as_slice().iter().any(|c| c.0 == 0x29) && code.0 == 0x28 {
            // A reset already tells the initiator to re-check the medium.
            return;
        }
        if self.contains(code) {
            return;
        }
        if let Some(slot) = self.q.get_mut(self.n) {
            *slot = code;
            self.n += 1;
        }
    }

    /// The oldest condition, without removing it.
    pub fn peek(&self) -> Option<(u8, u8)> {
        self.as_slice().first().copied()
    }

    /// Removes and returns the oldest condition.
    pub fn pop(&mut self) -> Option<(u8, u8)> {
        let first = self.peek()?;
        self.remove_at(0);
        Some(first)
    }

    /// Removes `code` if pending.
    pub fn remove(&mut self, code: (u8, u8)) {
        if let Some(i) = self.as_slice().iter().position(|&c| c == code) {
            self.remove_at(i);
        }
    }

    fn remove_at(&mut self, i: usize) {
        if i >= self.n {
            return;
        }
        let mut j = i;
        while j + 1 < self.n {
            let next = self.q.get(j + 1).copied().unwrap_or((0, 0));
            if let Some(s) = self.q.get_mut(j) {
                *s = next;
            }
            j += 1;
        }
        self.n -= 1;
    }

    /// Drops every pending condition.
    pub fn clear(&mut self) {
        self.n = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_without_duplicates() {
        let mut u = UnitAttentions::new();
        assert!(u.is_empty());
        u.push((0x2a, 0x09));
        u.push((0x3f, 0x0e));
        u.push((0x2a, 0x09));
        assert_eq!(u.len(), 2);
        assert_eq!(u.pop(), Some((0x2a, 0x09)));
        assert_eq!(u.pop(), Some((0x3f, 0x0e)));
        assert_eq!(u.pop(), None);
    }

    #[test]
    fn reset_replaces_queue() {
        let mut u = UnitAttentions::new();
        u.push((0x2a, 0x09));
        u.push((0x29, 0x00));
        assert_eq!(u.as_slice(), &[(0x29, 0x00)]);
        // Medium change after a reset is implied by the reset.
        u.push((0x28, 0x00));
        u.push((0x3f, 0x0e));
        assert_eq!(u.as_slice(), &[(0x29, 0x00), (0x3f, 0x0e)]);
        u.push((0x29, 0x03));
        assert_eq!(u.as_slice(), &[(0x29, 0x03)]);
    }

    #[test]
    fn full_queue_and_remove() {
        let mut u = UnitAttentions::new();
        for i in 0..20u8 {
            u.push((0x40, i));
        }
        assert_eq!(u.len(), UA_QUEUE_LEN);
        u.remove((0x40, 3));
        assert_eq!(u.len(), UA_QUEUE_LEN - 1);
        assert!(!u.contains((0x40, 3)));
        assert_eq!(u.as_slice()[3], (0x40, 4));
        u.remove((0x11, 0));
        u.clear();
        assert_eq!(u.peek(), None);
    }
}
