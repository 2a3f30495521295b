//! A read-only memory mapping of a whole file, whose resident pages can be dropped from the
//! process at any time (they stay in the page cache and fault back in on the next read): what
//! lets a fit read a file larger than memory in place with a bounded resident set.

use std::fs::File;
use std::os::unix::io::AsRawFd;

/// `len` bytes of a file, mapped private and read-only at a page-aligned address.
#[derive(Debug)]
pub(crate) struct Mapping {
    ptr: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is read-only and never written through; its pages are the file's, which
// the documented contract of `RawFile` says nobody modifies during a fit. Dropping resident
// pages (`release`) changes no byte any thread reads, only whether the next read faults.
unsafe impl Send for Mapping {}
// SAFETY: as above: shared reads of immutable bytes.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps the first `len` bytes (`len > 0`) of `file`.
    pub(crate) fn of(file: &File, len: usize) -> std::io::Result<Self> {
        // SAFETY: a fresh mapping at an address of the kernel's choice; arguments are valid
        // (`len > 0`, an open descriptor, offset 0), and failure is checked below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Mapping { ptr, len })
    }

    /// The mapped bytes as `len / size_of::<T>()` values of `T` (the mapping is page-aligned,
    /// so aligned for any float type).
    pub(crate) fn as_values<T: crate::Float>(&self) -> &[T] {
        // SAFETY: `ptr` is valid for `len` bytes for the mapping's lifetime, page-aligned, and
        // every bit pattern is a valid f32/f64.
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<T>(), self.len / std::mem::size_of::<T>()) }
    }

    /// Drops every resident page of the mapping from the process's resident set: the next read
    /// of a page maps it again from the page cache (or the disk), with the same bytes.
    pub(crate) fn release(&self) {
        // SAFETY: the range is exactly the mapping. On a private mapping never written, the
        // pages are the file's, so MADV_DONTNEED discards nothing but the page-table entries.
        // A failure only means the pages stay resident, which changes no result.
        unsafe {
            libc::madvise(self.ptr, self.len, libc::MADV_DONTNEED);
        }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `of`, once; no borrow of it outlives
        // `self` (`as_values` borrows `self`).
        unsafe {
            libc::munmap(self.ptr, self.len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Mapping;

    #[test]
    fn released_pages_read_back_the_same_values() {
        let values: Vec<f64> = (0..100_000).map(|i| f64::from(i) * 0.5 - 3.0).collect();
        let path = std::env::temp_dir().join(format!("k-means-mapping-{}.f64", std::process::id()));
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(&path, &bytes).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let mapping = Mapping::of(&file, bytes.len()).unwrap();
        assert_eq!(mapping.as_values::<f64>(), &values[..]);
        mapping.release();
        assert_eq!(mapping.as_values::<f64>(), &values[..]);
        drop(mapping);
        std::fs::remove_file(&path).unwrap();
    }
}
