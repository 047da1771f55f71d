//! `mixmaster demo DIR`: write the synthesised demo song (stems and mix).

use std::path::PathBuf;

/// Arguments of `mixmaster demo`.
#[derive(clap::Args)]
pub struct Args {
    /// Folder to write `mix.wav` and `stems/*.wav` into (created if missing).
    dir: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

/// Render and write the demo song, listing what was written.
pub fn run(args: &Args) -> mixmaster::Result<()> {
    for path in mixmaster::demo::write(&args.dir, args.force)? {
        println!("wrote {}", path.display());
    }
    Ok(())
}
