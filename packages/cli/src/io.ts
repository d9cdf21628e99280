// The CLI's output channels: results on stdout, diagnostics on stderr.
export const io = {
  line: (text: string): void => void process.stdout.write(text + "\n"),
  text: (text: string): void => void process.stdout.write(text),
  err: (text: string): void => void process.stderr.write(text + "\n"),
  /** Resolves once the chunk is handed to the OS, so a fast log stream respects back-pressure. */
  bytes: (chunk: Uint8Array): Promise<void> => new Promise((resolve) => process.stdout.write(chunk, () => resolve())),
};
