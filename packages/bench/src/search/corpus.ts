// The search scenario's chat text: deterministic (a seeded PRNG), so every run and both stores
// index the same messages. Words follow a Zipf-like law over a vocabulary of real chat words
// followed by a long tail of made-up ones, so some words are in a large share of messages and
// some in a few dozen; about 10 % of messages are Chinese sentences (two-character words, also
// Zipf), a few mix a Chinese word into English, and a few carry an emoji. The query kinds are
// chosen against this vocabulary: the stores' work depends on how many messages a term matches.

/** mulberry32: small, fast and good enough to spread words; seeded so the corpus repeats. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks index i of n with weight 1 / (i + 1)^s (a binary search over the cumulative weights). */
export class Zipf {
  private readonly cumulative: Float64Array;

  constructor(n: number, s: number) {
    this.cumulative = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) this.cumulative[i] = sum += 1 / (i + 1) ** s;
  }

  pick(random: number): number {
    const target = random * (this.cumulative[this.cumulative.length - 1] as number);
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

// Real chat words, most frequent first: stop words (which PostgreSQL and parseQuery drop from
// queries but the text keeps) among content words, as in real chat.
const COMMON = (
  'the i to you it a and is that we of in for on this be have do not with can just so but what ' +
  'are at was will if get my me deploy build like know think good time now then test one about ' +
  'meeting today work see need make yes no fix issue tomorrow server thanks go all there would up ' +
  'out when looks release could it\'s right also sure ok people back new still want how code ' +
  'review branch merge call please day week team problem sorry lunch update why because really ' +
  'maybe done thing doc bug error log data user client config ticket morning night weekend coffee ' +
  'channel room message search index query store latency cache disk memory cpu network version ' +
  'change commit push pull request design plan customer support account password login page ' +
  'screen phone laptop travel flight hotel beijing shanghai weather rain sunny happy tired great ' +
  'awesome nice cool interesting weird broken slow fast easy hard early late soon again later'
).split(' ');

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'tu', 'vex', 'zor', 'pli', 'qua', 'sen', 'dor', 'fi', 'gal', 'hin', 'jup', 'nok', 'ral', 'sto', 'wix', 'yam'];

/** Made-up words for the long tail: three syllables each, distinct, never real English. */
function tailWords(count: number): string[] {
  const words: string[] = [];
  const n = SYLLABLES.length;
  for (let i = 0; words.length < count; i++) {
    const a = SYLLABLES[i % n] as string;
    const b = SYLLABLES[Math.floor(i / n) % n] as string;
    const c = SYLLABLES[Math.floor(i / (n * n)) % n] as string;
    words.push(`${a}${b}${c}x`);
  }
  return words;
}

/** Rank order: the common words, then 7,000 tail words (20³ = 8,000 combinations exist). */
export const ENGLISH = [...COMMON, ...tailWords(7_000)];

/** Two-character Chinese words, most frequent first. 北京 is well down the list: a medium word. */
export const CHINESE = (
  '我们 今天 明天 开会 工作 问题 时间 已经 可以 没有 现在 大家 知道 觉得 需要 一下 这个 那个 ' +
  '服务 测试 部署 上线 代码 修复 版本 文档 用户 数据 系统 网络 北京 上海 周末 午饭 咖啡 谢谢 ' +
  '辛苦 晚上 早上 下午 会议 讨论 方案 计划 客户 项目 进度 周报 电脑 手机 天气 下雨 出差 酒店 ' +
  '航班 搜索 索引 延迟 内存 磁盘 日志 错误 配置 分支 合并 提交 评审 发布 回滚 监控 告警 备份'
).split(' ');

const EMOJI = ['👍', '😂', '🎉', '🙏', '🔥', '😅', '❤️', '🚀', '👀', '✅'];

const english = new Zipf(ENGLISH.length, 1.0);
const chinese = new Zipf(CHINESE.length, 0.9);

/** One chat message's text. */
export function messageText(random: () => number): string {
  const kind = random();
  if (kind < 0.1) {
    const words: string[] = [];
    const n = 3 + Math.floor(random() * 6);
    for (let i = 0; i < n; i++) words.push(CHINESE[chinese.pick(random())] as string);
    return `${words.join('')}${random() < 0.5 ? '。' : '？'}`;
  }
  const words: string[] = [];
  const n = 3 + Math.floor(random() * 12);
  for (let i = 0; i < n; i++) words.push(ENGLISH[english.pick(random())] as string);
  // A few English messages name a Chinese word (a place, a term), as bilingual chat does.
  if (kind < 0.14) words.splice(Math.floor(random() * words.length), 0, CHINESE[chinese.pick(random())] as string);
  if (random() < 0.04) words.push(EMOJI[Math.floor(random() * EMOJI.length)] as string);
  return words.join(' ');
}

/** A query kind of the scenario: `q`, and `room` for the one narrowed to a small room. */
export interface QueryKind {
  kind: string;
  label: string;
  q: string;
  /** Narrow to this room (a small one): filled in by the scenario from the fill's rooms. */
  smallRoom?: boolean;
}

/** The tail word at 90 % of the vocabulary: a few dozen messages per million. */
const RARE = ENGLISH[Math.floor(ENGLISH.length * 0.9)] as string;

export const QUERY_KINDS: readonly QueryKind[] = [
  { kind: 'rare', label: `rare word (\`${RARE}\`)`, q: RARE },
  { kind: 'common', label: 'common word (`deploy`)', q: 'deploy' },
  { kind: 'twoWords', label: 'two words (`meeting tomorrow`)', q: 'meeting tomorrow' },
  { kind: 'chinese', label: 'Chinese word (`北京`)', q: '北京' },
  { kind: 'mixed', label: 'mixed (`deploy 北京`)', q: 'deploy 北京' },
  { kind: 'room', label: 'common word in a small room (`deploy`, `room=`)', q: 'deploy', smallRoom: true },
  { kind: 'none', label: 'matches nothing (`zzqxv`)', q: 'zzqxv' },
];
