//! `mixmaster serve [--addr 127.0.0.1:8080] [--data DIR]`: the local mastering web app.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use mixmaster::{Error, Result};
use mixmaster_server::{Config, default_data_dir, valid_token};

/// Arguments of `mixmaster serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on. Loopback by default: other machines cannot connect.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Folder for the job database and files (default: the platform's data
    /// folder, e.g. ~/.local/share/mixmaster).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Require this access token (letters, digits, - . _ ~): open the page as
    /// /?token=TOKEN, or send "Authorization: Bearer TOKEN".
    #[arg(long)]
    token: Option<String>,
    /// Largest upload, all files of a job together: bytes, or with K, M, G (binary).
    #[arg(long, default_value = "1G", value_parser = parse_size)]
    max_upload: u64,
    /// Jobs mastered at the same time; more wait in a queue.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
}

/// `1073741824`, `512K`, `500M`, `1G` (also `MiB`, `GB` …: all binary).
///
/// By hand: three suffixes do not justify a dependency.
fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size (e.g. 1G, 500M, 1048576)"))?;
    let shift = match unit
        .trim()
        .to_ascii_lowercase()
        .trim_end_matches(['b', 'i'])
    {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        _ => return Err(format!("'{text}': unit must be K, M or G")),
    };
    number
        .checked_mul(1 << shift)
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("'{text}' is out of range"))
}

/// Serve until Ctrl-C.
pub fn run(args: &Args) -> Result<()> {
    let here = Path::new("--token");
    if let Some(token) = &args.token
        && !valid_token(token)
    {
        return Err(Error::input(
            here,
            "use letters, digits and - . _ ~ only (it goes into a URL and a cookie)",
        ));
    }
    let loopback = args.addr.ip().is_loopback();
    if !loopback && args.token.is_none() {
        eprintln!(
            "mixmaster serve: warning: listening on {} without --token: anyone who can reach it can use it",
            args.addr
        );
    }
    let config = Config {
        data_dir: args.data.clone().unwrap_or_else(default_data_dir),
        token: args.token.clone(),
        max_upload: args.max_upload,
        jobs: usize::from(args.jobs),
        loopback_only: loopback,
    };
    let data = config.data_dir.clone();
    let token = args.token.clone();
    mixmaster_server::run(config, args.addr, |bound| {
        let query = token.map(|t| format!("?token={t}")).unwrap_or_default();
        eprintln!(
            "mixmaster serve: open http://{bound}/{query}  (data in {}; Ctrl-C stops)",
            data.display()
        );
    })
    .map_err(|e| Error::input(Path::new("serve"), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units() {
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("500M"), Ok(500 << 20));
        assert_eq!(parse_size("64KiB"), Ok(64 << 10));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("2 GB"), Ok(2 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5T").is_err());
        assert!(parse_size("99999999999G").is_err());
    }

    #[test]
    fn the_default_limit_is_one_gib() {
        assert_eq!(parse_size("1G"), Ok(mixmaster_server::DEFAULT_MAX_UPLOAD));
    }
}
