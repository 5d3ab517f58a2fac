// Call page: clicking a word or a segment's (or utterance's) time seeks the recording; the one being played is
// highlighted.
// Plain ES module, no dependencies.

const player = document.getElementById('player');
const transcript = document.getElementById('transcript');
const segments = Array.from(document.querySelectorAll('#transcript .segment')).map((element) => ({
  element,
  start: Number(element.dataset.start),
  end: Number(element.dataset.end),
}));
let current = null;

/** Seeks to `seconds` and plays; some browsers refuse play() without a gesture, which is fine. */
function seek(seconds) {
  player.currentTime = seconds;
  const playing = player.play();
  if (playing && playing.catch) playing.catch(() => {});
  highlight(seconds);
}

/** The segment that contains `time`, or the last one that started before it. */
export function segmentAt(list, time) {
  let found = null;
  for (const segment of list) {
    if (segment.start <= time + 0.001) found = segment;
    else break;
  }
  return found;
}

function highlight(time) {
  const segment = segmentAt(segments, time);
  if (segment === current) return;
  if (current) current.element.classList.remove('playing');
  current = segment;
  if (current) {
    current.element.classList.add('playing');
    current.element.scrollIntoView({ block: 'nearest' });
  }
}

if (player && transcript) {
  transcript.addEventListener('click', (event) => {
    // Corrections (editing, moving, splitting: a word click then picks the split point) are edits.js's.
    if (event.target.closest('.edit, .controls, form, .splitting')) return;
    const target = event.target.closest('[data-start]');
    if (target) seek(Number(target.dataset.start));
  });
  player.addEventListener('timeupdate', () => highlight(player.currentTime));
  player.addEventListener('seeked', () => highlight(player.currentTime));
}

// A link to a moment (`#t=SECONDS`, from a search hit) plays the recording from there.
if (player) {
  const moment = /^#t=(\d+(?:\.\d+)?)$/.exec(location.hash);
  if (moment) {
    const start = () => seek(Number(moment[1]));
    if (player.readyState >= 1) start();
    else player.addEventListener('loadedmetadata', start, { once: true });
  }
}

// A point (or a marked moment) of the sentiment chart plays the recording from that utterance.
const chart = document.getElementById('sentiment-chart');
if (player && chart) {
  chart.addEventListener('click', (event) => {
    const target = event.target.closest('[data-start]');
    if (target) seek(Number(target.dataset.start));
  });
  chart.addEventListener('keydown', (event) => {
    const target = event.target.closest('[data-start]');
    if (target && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      seek(Number(target.dataset.start));
    }
  });
}

// Evidence under a scorecard criterion plays the moment it quotes.
const evaluation = document.getElementById('evaluation');
if (player && evaluation) {
  evaluation.addEventListener('click', (event) => {
    const button = event.target.closest('button.evidence[data-start]');
    if (button) seek(Number(button.dataset.start));
  });
}
