//! Ideas and wishes.
