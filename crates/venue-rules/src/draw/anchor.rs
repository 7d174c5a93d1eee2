//! The event server's side of anchoring (the derivation itself is in `engine`'s module doc): what
//! a draw result must show before the server takes it as anchored. Pure; the server looks the
//! registration up and calls [`check_anchored_result`].

use super::engine::{parse_seed, seed_commitment};

/// Checks an anchored result against the server's registration of its commitment: the nonce is
/// the one the server gave for it, and the revealed seed hashes to the commitment (so the draw's
/// key, derived from both, is fixed). Says what does not fit, in words.
pub fn check_anchored_result(seed: &str, commitment: &str, claimed_nonce: &str, held_nonce: &str) -> Result<(), String> {
    if !claimed_nonce.eq_ignore_ascii_case(held_nonce) {
        return Err("server_nonce is not the nonce this server gave for the seed commitment".to_owned());
    }
    let Some(seed) = parse_seed(seed) else {
        return Err("the seed of an anchored result must be 64 hex digits".to_owned());
    };
    if !seed_commitment(&seed).eq_ignore_ascii_case(commitment) {
        return Err("the seed does not hash to the seed commitment (SHA-256)".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anchored_result_must_fit_its_registration() {
        let seed = [3u8; 32];
        let (seed_hex, commitment) = (hex::encode(seed), seed_commitment(&seed));
        let nonce = "ab".repeat(32);
        assert_eq!(check_anchored_result(&seed_hex, &commitment, &nonce, &nonce), Ok(()));
        assert_eq!(
            check_anchored_result(&seed_hex.to_uppercase(), &commitment.to_uppercase(), &nonce.to_uppercase(), &nonce),
            Ok(()),
            "hex in either case"
        );
        assert!(
            check_anchored_result(&seed_hex, &commitment, &"cd".repeat(32), &nonce)
                .unwrap_err()
                .contains("nonce")
        );
        assert!(
            check_anchored_result(&hex::encode([4u8; 32]), &commitment, &nonce, &nonce)
                .unwrap_err()
                .contains("hash")
        );
        assert!(
            check_anchored_result("abcd", &commitment, &nonce, &nonce)
                .unwrap_err()
                .contains("64 hex")
        );
    }
}
