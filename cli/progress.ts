/**
 * Progress of a long read on the terminal: one line on stderr, rewritten in place, gone when the read ends. Off
 * when stderr is no terminal (a pipe, CI), so scripts read only the results on stdout.
 */
export interface Progress {
  update(line: string): void;
  done(): void;
}

export function progress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  let shown = false;
  return {
    update(line) {
      stream.write(`\r\x1b[2K${line}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}
