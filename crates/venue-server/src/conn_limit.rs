//! `serve --max-connections`: at most that many connections are open at once. One more is closed as
//! soon as it is accepted, so a flood of idle sockets (or a client that opens thousands) costs the
//! server a file descriptor for an instant, while the connections already open (the kiosks', which
//! keep theirs alive between polls) are served as before. Slots free up when a connection ends, and
//! a connection that sends no request is cut after [`crate::HEADER_READ_TIMEOUT`].

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum_server::accept::Accept;
use futures_util::future::{Either, Ready, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The default of `serve --max-connections`: far above a venue's screens (each holds one or two),
/// and below the usual file-descriptor limits of a service (systemd's `LimitNOFILE`).
pub const DEFAULT_MAX_CONNECTIONS: usize = 8192;

/// An acceptor that takes a slot for each connection before `inner` (plain or TLS) sees it, and
/// closes the connection at once when no slot is free.
#[derive(Clone)]
pub struct LimitAcceptor<A> {
    inner: A,
    slots: Arc<Semaphore>,
    max: usize,
    /// Logged once when the limit is reached and once when connections are taken again.
    full: Arc<AtomicBool>,
}

impl<A> LimitAcceptor<A> {
    pub fn new(inner: A, max: usize) -> Self {
        LimitAcceptor {
            inner,
            slots: Arc::new(Semaphore::new(max)),
            max,
            full: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl<A, S> Accept<tokio::net::TcpStream, S> for LimitAcceptor<A>
where
    A: Accept<Limited<tokio::net::TcpStream>, S>,
{
    type Stream = A::Stream;
    type Service = A::Service;
    type Future = Either<Ready<io::Result<(A::Stream, A::Service)>>, A::Future>;

    fn accept(&self, stream: tokio::net::TcpStream, service: S) -> Self::Future {
        match self.slots.clone().try_acquire_owned() {
            Ok(slot) => {
                if self.full.swap(false, Ordering::Relaxed) {
                    tracing::info!(max = self.max, "accepting connections again");
                }
                Either::Right(self.inner.accept(Limited { stream, _slot: slot }, service))
            }
            Err(_) => {
                if !self.full.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        max = self.max,
                        "connection limit reached: new connections are closed until open ones end (--max-connections)"
                    );
                }
                // Dropping the stream closes it; the server loop ignores the error.
                drop(stream);
                Either::Left(ready(Err(io::Error::other("connection limit reached"))))
            }
        }
    }
}

/// A connection that holds one slot until it is dropped.
pub struct Limited<T> {
    stream: T,
    _slot: OwnedSemaphorePermit,
}

impl<T: AsyncRead + Unpin> AsyncRead for Limited<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Limited<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
