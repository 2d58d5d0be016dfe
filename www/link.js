// The console's sockets to the Worker: a link that went quiet is found out, not trusted. A
// dropped network often closes nothing (no FIN reaches either side), so "live" would stay on
// screen while nothing arrives and every command fails.

/** Silence after which the socket is asked `ping`. */
const QUIET_MS = 5000;
/** How long a `ping` waits for anything to come back before the link counts as lost. */
const ANSWER_MS = 4000;

/**
 * Watches `ws` (a Worker socket: it answers `ping` with `{"type":"pong"}`) and calls `lost()`
 * once when the link is gone without a close event: the browser went offline, or nothing came
 * back within ANSWER_MS of a `ping` sent after QUIET_MS of silence. A close stops the watch (the
 * socket's own `onclose` handles that).
 */
export function watch(ws, lost) {
  let heard = Date.now();
  let pinged = 0;
  const stop = () => {
    clearInterval(timer);
    removeEventListener('offline', dead);
  };
  function dead() {
    stop();
    if (ws.readyState !== WebSocket.CLOSED) lost();
  }
  ws.addEventListener('message', () => {
    heard = Date.now();
    pinged = 0;
  });
  ws.addEventListener('close', stop);
  addEventListener('offline', dead);
  const timer = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    if (pinged && now - pinged > ANSWER_MS) return dead();
    if (!pinged && now - heard > QUIET_MS) {
      pinged = now;
      ws.send('ping');
    }
  }, 1000);
}

/**
 * Lets go of a socket whose link is lost: no more of its events, closed without waiting for a
 * closing handshake that may never come. True the first time (the caller reconnects then).
 */
export function drop(ws) {
  if (ws.dropped) return false;
  ws.dropped = true;
  ws.onopen = ws.onmessage = ws.onclose = null;
  ws.close();
  return true;
}
