//! `feed.ca_file`: the certificates the kiosk trusts for its event server besides the system's
//! roots — the venue's CA, or the server's self-signed certificate itself as a pin. Read and
//! checked once when the config loads; the workers get the parsed certificates, never the file.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// Largest `feed.ca_file` read: a CA bundle is some kilobytes; a huge file is a wrong path.
const MAX_CA_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Extra trusted certificates (DER), cheap to clone into every worker. Empty: the system's roots only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TrustedCerts(Arc<[Vec<u8>]>);

impl std::fmt::Debug for TrustedCerts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TrustedCerts({} certificates)", self.0.len())
    }
}

impl TrustedCerts {
    /// Reads a PEM file of one or more certificates; says in words what is wrong with it.
    pub fn read_pem_file(path: &Path) -> Result<TrustedCerts, String> {
        let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if metadata.len() > MAX_CA_FILE_BYTES {
            return Err(format!(
                "`{}` is {} bytes; a PEM certificate file is far smaller (is it the right file?)",
                path.display(),
                metadata.len()
            ));
        }
        let pem = std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        Self::from_pem(&pem).map_err(|problem| format!("`{}`: {problem}", path.display()))
    }

    /// Parses PEM text: every `CERTIFICATE` block must be a certificate a TLS client can trust.
    pub fn from_pem(pem: &[u8]) -> Result<TrustedCerts, String> {
        let mut certs = Vec::new();
        for (i, cert) in CertificateDer::pem_slice_iter(pem).enumerate() {
            let cert = cert.map_err(|e| format!("certificate {} is not valid PEM: {e}", i + 1))?;
            // The same check the TLS client makes of a root: an X.509 certificate it can anchor trust in.
            rustls::RootCertStore::empty()
                .add(cert.clone())
                .map_err(|e| format!("certificate {} cannot be trusted: {e}", i + 1))?;
            certs.push(cert.to_vec());
        }
        if certs.is_empty() {
            return Err("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into());
        }
        Ok(TrustedCerts(certs.into()))
    }

    /// Each certificate, DER-encoded.
    pub fn ders(&self) -> impl Iterator<Item = &[u8]> {
        self.0.iter().map(Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}
