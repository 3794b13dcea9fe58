#!/usr/bin/env python3
"""Oracle for the text stage: writes the golden files that src/text/text_test.cc replays.

It holds a faithful Python re-implementation of the seed's text processors (cursus
src/cursus/processing/text/*, seed-pipeline-behavior.md §5): BeautifulSoup html.parser, the
seed's emoji regex, Python str methods, and the Hugging Face `tokenizers` package for the
dialogue chunker and the tokenizer step (decode = the WordPiece decoder plus transformers'
clean_up_tokenization). It runs them on a generated corpus of buyer/seller dialogues and on
adversarial single-step cases.

Outputs (all exact; tolerance: none, strings and ids must be identical):
  steps.json     {"cases": [{"step", "input", "expected"}]}   single-step cases
  utf8.json      {"cases": [{"hex", "expected"}]}             bytes.decode("utf-8", "replace")
  pipeline.json  {"cases": [{"tokenizer", "steps", "max_sen_len", "chunk_truncate",
                  "max_total_chunks", "input", "chunks", "input_ids"}]}
                 (tokenizer: a tokenizer.json of tests/golden/tokenizer/, relative to the root)

Usage: .venv/bin/python tests/golden/text/gen_text_golden.py
Needs beautifulsoup4==4.12.3 (the seed's pin) and tokenizers.
"""
import argparse
import json
import os
import random
import re
import warnings

import bs4
from bs4 import BeautifulSoup
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
UNCASED = 'tests/golden/tokenizer/uncased/tokenizer.json'  # all-MiniLM-L6-v2 (bert-base-uncased)
CASED = 'tests/golden/tokenizer/cased/tokenizer.json'  # small cased multilingual WordPiece

# ---------------------------------------------------------------------------------------------
# The seed's processors (§5.2-5.7), as plain functions.

BOM_RE = re.compile(r'\[bom\](.*?)\[eom\]', re.DOTALL)
EMOJI_RE = re.compile(
    '['
    '\U0001F600-\U0001F64F'
    '\U0001F300-\U0001F5FF'
    '\U0001F680-\U0001F6FF'
    '\U0001F1E0-\U0001F1FF'
    '\U00002702-\U000027B0'
    '\U000024C2-\U0001F251'
    ']+', flags=re.UNICODE)
SURROGATE_RE = re.compile('[\ud800-\udfff]')


def dialogue_splitter(text, min_length=1):
    out = []
    for m in BOM_RE.findall(text):
        m = m.strip()
        if m and len(m) >= min_length:
            out.append(m)
    return out


def html_normalizer(text):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # MarkupResemblesLocatorWarning on short messages
        soup = BeautifulSoup(text, 'html.parser')
    # Documented departure: a reference to a surrogate (&#xD800;) makes the seed fail later;
    # verdict gives U+FFFD.
    return SURROGATE_RE.sub('\ufffd', soup.get_text(separator=' ', strip=True))


def emoji_remover(text):
    return EMOJI_RE.sub('', text)


def text_normalizer(text):
    return re.sub(r'\s+', ' ', text.strip().lower())


def text_upper(text):
    return re.sub(r'\s+', ' ', text.strip().upper())


def elementwise(fn):
    return lambda value: [fn(v) for v in value] if isinstance(value, list) else fn(value)


def clean_up_tokenization(s):
    # transformers PreTrainedTokenizerBase.clean_up_tokenization
    return (s.replace(' .', '.').replace(' ?', '?').replace(' !', '!').replace(' ,', ',')
            .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m")
            .replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re"))


class Hf:
    """What the seed's BertTokenizerFast calls do, through the `tokenizers` package."""

    def __init__(self, path):
        self.tok = Tokenizer.from_file(path)
        self.tok.no_truncation()
        self.tok.no_padding()

    def encode_no_special(self, text):
        return self.tok.encode(text, add_special_tokens=False).ids

    def decode(self, ids):
        return clean_up_tokenization(self.tok.decode(ids, skip_special_tokens=True))

    def encode(self, text, max_length):
        self.tok.enable_truncation(max_length)
        try:
            return self.tok.encode(text).ids
        finally:
            self.tok.no_truncation()


def dialogue_chunker(messages, hf, max_tokens, truncate, max_total_chunks):
    chunks, cur, cur_tok, n = [], [], 0, 0
    for m in messages:
        ids = hf.encode_no_special(m)
        k = len(ids)
        if k > max_tokens:
            m = hf.decode(ids[:max_tokens])
            k = len(hf.encode_no_special(m))
        if cur_tok + k > max_tokens:
            if cur:
                chunks.append(' '.join(cur).strip())
                n += 1
                if truncate and max_total_chunks and n >= max_total_chunks:
                    break
            cur, cur_tok = [m], k
        else:
            cur.append(m)
            cur_tok += k
        if truncate and n >= max_total_chunks:
            break
    if cur and (not truncate or n < max_total_chunks):
        chunks.append(' '.join(cur).strip())
    if not chunks or all(not c.strip() for c in chunks):
        return ['.']
    return chunks


def tokenize_chunks(chunks, hf, max_sen_len):
    return [hf.encode(c if c.strip() else '', max_sen_len) for c in chunks]


def run_pipeline(steps, text, hf, max_sen_len, truncate, max_total_chunks):
    value = text
    ids = []
    for step in steps:
        if step == 'dialogue_splitter':
            value = dialogue_splitter(value)
        elif step == 'html_normalizer':
            value = elementwise(html_normalizer)(value)
        elif step == 'emoji_remover':
            value = elementwise(emoji_remover)(value)
        elif step == 'text_normalizer':
            value = elementwise(text_normalizer)(value)
        elif step == 'text_upper':
            value = text_upper(value)
        elif step == 'dialogue_chunker':
            value = dialogue_chunker(list(value), hf, max_sen_len, truncate, max_total_chunks)
        elif step == 'tokenizer':
            value = list(value)
            ids = tokenize_chunks(value, hf, max_sen_len)
        else:
            raise ValueError(step)
    return (value if isinstance(value, list) else [value]), ids


# ---------------------------------------------------------------------------------------------
# Inputs.

HTML_ADVERSARIAL = [
    '<p>a<script>var x = "<b>no</b>";</script>b</p>',
    '<style>p { color: red }</style>x<!-- hidden -->y',
    '<template>t</template>z', '<ruby>漢<rt>kan</rt><rp>(</rp></ruby>',
    'a <![CDATA[ kept ]]> b', '<!DOCTYPE html><html><body>d</body></html>',
    '<?xml version="1.0"?>pi', 'a <![if !supportLists]>b<![endif]> c',
    'a &amp b &lt;c &copy d &notit; &#x41; &#128512; &#0; &#x80; &#150; &#x9D; &#99999999;',
    'x &a', 'x &amp', 'x &amp-', 'x &#; <b>y</b> &#; <i>z</i>', 'a&#;b', '&', 'a & b',
    '&#65', '&#x41', '&#12a;', '&#x;', '&AMP; &Amp; &nbsp &nbsp; &NotEqualTilde; &frac12x',
    'see <details', 'see <details open', 'x\r\ny\x01z\x7f', 'tab\there\x0bvt\x0cff',
    '<textarea>a<b>c</b></textarea>', '<title>t&amp;</title>q', '\xa0 a \xa0', '\u3000x\u2003',
    '<b>x</b>\u00a0<i>y</i>', '<noscript>n</noscript>', '<svg><style>s</style></svg>t',
    '<SCRIPT>X</SCRIPT>o', '<script>a</b>b</script>c', '<script>a</script >b',
    '<script>never closed <b>x</b>', '<style>a</STYLE>b', '<script/>after',
    'a</p>b', '<p/>x</br>', 'a<br>b</br>c', 'a<br/>b<br>c<br/>d', "<a href='x>y'>l</a>",
    '<a href="x>y">l</a>', "<a b='x>c", '<a b="x>c</a>', '<a b =\'x>c', '<a b==\'x>c',
    '<!--unclosed', '<!---->x<!-- a -- b -->y<!-- c --  >z', 'a<!x>b', 'a < b', 'a <3 b',
    'a <', 'a<', '<', '</', '</>x', '</ x>y', '</b x="1">z', '</3>q', 'a<?pi', 'a<!', '<!doctype',
    '<div><template><p>t</p></div>after', '<rt>r<br>still</rt>out', '<rp>(</rp >x',
    '<template><template>a</template>b</template>c', '<br><br/><template></br>x',
    '<p class="a" id=b data-x = \'y\' checked>text</p>', '<p\nclass="a"\n>multi\nline</p>',
    '<a/b>x</a>', '<a / >y', '<img src=x alt="A &amp; B">z', '<p>one</p><p>two</p>three',
    '<ul><li>a</li><li>b &gt; c</li></ul>', '<table><tr><td>1</td><td>2</td></tr></table>',
    '<div>  lots   of   space  </div>', '<p>\n\n</p>', '',
    '<b>bold<i>both</b>italic</i>', '<ſcript>x</ſcript>y', '<script>x</ſcript>y</script>z',
    '<İmg>x</img>', '<ΣΑΣ>x</σας>y', '<a\u00a0b>x</a\u00a0b>', '<a\x00b>x', 'x<a\x0bb>y',
    '<![CDATA[x]]', '<![cdata[lower]]>', '<![CDATA [x]]>y', '<![temp[ t ]]>u', '<![endif',
    '&lt;script&gt;alert(1)&lt;/script&gt;', 'caf&eacute; na&iuml;ve &euro;5 &hellip;',
    '&#x1F600; &#x1f600 &#128512', 'Ω &ohm; &Omega; &#937;', '\ufeffBOM text',
]

STEP_ADVERSARIAL = {
    'dialogue_splitter': [
        'x [bom] a [bom] b [eom] y [bom]  [eom][bom]c[eom][bom]d', 'nan', '',
        '[bom]\nline1\r\nline2\n[eom]', '[BOM]upper[EOM][bom]lower[eom]', '[bom][eom][eom]',
        '[bom]\xa0\u3000[eom][bom]\xa0x\u2028[eom]', '[bom]a[eom][bom]b[eom]trailing',
    ],
    'emoji_remover': [
        'ok 😀 你好 д', '✂️ ✈ ⓜ Ⓜ ™ © ® ←→', '🇫🇷 👍🏽 👨‍👩‍👧', '한국어 カタカナ ｆｕｌｌ', 'ℹ ‼ ⁉',
        '\U0001F251\U0001F252\U0001F2FF\U0001F300', '\u24C1\u24C2', '\ue000 private',
    ],
    'text_normalizer': [
        '  Hello   WORLD \t\n', 'İstanbul', 'ΟΔΟΣ ΟΔΟΣ. Σ ΑΣ\u0345 ΑΣ\u0301Α', 'ǅ Ǆ ǆ',
        'STRAẞE ß', '\x1c\x1d\x1e\x1fA\x85B\u2028C\u2029D', 'ＡＢＣ', 'ÀÉÎÕÜ', 'Ⅻ ⓐ Ⓐ',
        '\u00a0\u1680\u2000\u200a\u202f\u205f\u3000x', '\u200bzero\u200bwidth', 'ꭰꭱ ᏸ Ᏸ',
        '𐐀𐐨 𞤀', 'ΣΑΣ\u200bΑΣ', "A'Σ", 'AΣ\u00adB', 'Σ', 'aΣ', 'ΣΣ',
    ],
    'text_upper': [
        '  straße ﬁne  ', 'ŉ ǰ ΐ', 'i ı İ', 'mixed\n\tspace', 'ﬃ ﬆ և',
    ],
}

UTF8_CASES = [
    b'plain', b'caf\xc3\xa9', b'a\xffb', b'\xe2\x82', b'\xe2\x82\xac', b'\xed\xa0\x80',
    b'\xf0\x9f\x98', b'\xf0\x9f\x98\x80', b'\xf4\x90\x80\x80', b'\xc0\xaf', b'\xe0\x80\xaf',
    b'\xf8\x88\x80\x80\x80', b'\x80\x80', b'\xc2', b'\xe1\x80\xe1\x80\x80', b'\xf1\x80\x80',
    b'\xfe\xff', b'x\x00y', b'\xef\xbb\xbfbom', b'\xf0\x90\x80\x80\xf0\x90\x80',
]

GREETINGS = [
    'Hello, I ordered the blue jacket last week.', 'Hi! Where is my package?',
    'Здравствуйте, мой заказ не пришёл.', 'Γεια σας, το δέμα μου είναι κατεστραμμένο.',
    'مرحبا، لم أستلم طلبي بعد.', '你好，我的订单什么时候发货？', 'こんにちは、返品したいです。',
    'नमस्ते, मुझे रिफंड चाहिए।', 'Bonjour, le colis est arrivé abîmé.', 'Hola, ¿cuándo llega?',
    '안녕하세요, 주문 취소하고 싶어요.', "I can't find the tracking number, it's missing.",
    'Olá! O produto veio errado.', 'Merhaba, İADE istiyorum.', 'ΟΔΟΣ ΠΑΡΑΔΟΣΗΣ: ΑΘΗΝΑΣ',
]
REPLIES = [
    'Thank you for contacting us. We will refund the order within 3-5 days.',
    'Please send a photo of the damaged item.', 'Your order #A-1029 shipped on 2024-03-01.',
    'Мы вернём деньги в течение недели.', '我们会尽快处理您的退款。', 'Sorry for the inconvenience!',
    "We've issued a replacement; you'll get an e-mail soon.", 'Le remboursement est en cours.',
]
HTML_WRAPS = [
    '<p>{}</p>', '<div><b>{}</b></div>', '<br>{}<br/>', '{}<!-- agent note: vip -->',
    '<span style="color:red">{}</span>&nbsp;', '<script>track("{}")</script>{}',
    '<style>.x{{}}</style>{}', '<a href="https://example.com/?a=1&b=2">{}</a>',
    '<ul><li>{}</li><li>item &amp; more</li></ul>', '{} &lt;3 &copy; 2024 &euro;',
    '<p>{}\r\n<i>second line</i></p>', '<table><tr><td>{}</td></tr></table>',
    '{} <details', '\xa0{}\xa0', '<P CLASS=x>{}</P>', '<![CDATA[{}]]>', '{}&#8217;s &#x2014;',
]
EMOJI = ['😀', '👍🏽', '🇺🇸', '❤️', '✈', '📦', '🙏', '👨‍👩‍👧', '⭐', '✅']
FILLER = ('lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '
          'incididunt ut labore et dolore magna aliqua').split()


def random_message(rng):
    text = rng.choice(GREETINGS + REPLIES)
    if rng.random() < 0.3:
        text += ' ' + ' '.join(rng.choice(FILLER) for _ in range(rng.randint(5, 120)))
    if rng.random() < 0.6:
        wrap = rng.choice(HTML_WRAPS)
        text = wrap.replace('{}', text, wrap.count('{}') and 1).replace('{}', '')
    if rng.random() < 0.4:
        text += ' ' + rng.choice(EMOJI)
    if rng.random() < 0.15:
        text = text.upper()
    return rng.choice(['', ' ', '\n', '\xa0']) + text + rng.choice(['', ' ', '\r\n'])


def random_dialogue(rng):
    parts = []
    for _ in range(rng.randint(0, 9)):
        parts.append('[bom]' + random_message(rng) + '[eom]')
        if rng.random() < 0.1:
            parts.append(' stray text ')
    if rng.random() < 0.05:
        parts.append('[bom]   [eom]')
    return ''.join(parts) if parts or rng.random() < 0.5 else 'nan'


# ---------------------------------------------------------------------------------------------

PIPELINE_CONFIGS = [
    # (tokenizer, steps, max_sen_len, chunk_truncate, max_total_chunks)
    (UNCASED, None, 512, False, 5),
    (UNCASED, None, 64, False, 5),
    (UNCASED, None, 32, True, 2),
    (UNCASED, None, 16, True, 3),
    (UNCASED, 'secondary', 48, False, 5),
    (UNCASED, ['dialogue_splitter', 'html_normalizer', 'text_normalizer', 'dialogue_chunker',
               'tokenizer'], 24, False, 5),
    (UNCASED, ['dialogue_splitter', 'html_normalizer', 'emoji_remover', 'text_normalizer'], 512,
     False, 5),
    (UNCASED, ['html_normalizer', 'text_upper'], 512, False, 5),
    (UNCASED, ['dialogue_splitter', 'tokenizer'], 12, False, 5),
    (CASED, ['dialogue_splitter', 'html_normalizer', 'emoji_remover', 'dialogue_chunker',
             'tokenizer'], 20, False, 5),
    (CASED, 'secondary', 40, True, 2),
]
# The seed iterates a bare string where the chunker or the tokenizer step expects a list (no
# splitter before them): every character becomes a message / chunk.
BARE_STRING_CONFIGS = [
    (UNCASED, ['text_normalizer', 'tokenizer'], 8, False, 5),
    (UNCASED, ['html_normalizer', 'dialogue_chunker', 'tokenizer'], 4, False, 5),
    (CASED, ['emoji_remover', 'dialogue_chunker', 'tokenizer'], 3, True, 2),
]
BARE_STRING_INPUTS = ['Hi <b>Bob</b>!', ' ΣΑΣ é 😀 中 ', '']
PRIMARY = ['dialogue_splitter', 'html_normalizer', 'emoji_remover', 'text_normalizer',
           'dialogue_chunker', 'tokenizer']
SECONDARY = ['dialogue_splitter', 'text_normalizer', 'dialogue_chunker', 'tokenizer']


def write(name, payload):
    path = os.path.join(HERE, name)
    with open(path, 'w', encoding='utf-8') as f:
        key, = [k for k in payload if isinstance(payload[k], list)]
        head = {k: v for k, v in payload.items() if k != key}
        f.write(json.dumps(head, ensure_ascii=False)[:-1] + (', ' if head else '') +
                '"%s": [\n' % key)
        f.write(',\n'.join(json.dumps(c, ensure_ascii=False, separators=(',', ':'))
                            for c in payload[key]))
        f.write('\n]}\n')
    print('wrote %s (%d bytes)' % (path, os.path.getsize(path)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--dialogues', type=int, default=150)
    parser.add_argument('--pipeline_dialogues', type=int, default=30)
    args = parser.parse_args()
    assert bs4.__version__ == '4.12.3', 'the seed pinned beautifulsoup4==4.12.3'
    rng = random.Random(20261129)
    tokenizers = {path: Hf(os.path.join(ROOT, path)) for path in (UNCASED, CASED)}

    dialogues = [random_dialogue(rng) for _ in range(args.dialogues)]
    messages = [m for d in dialogues for m in dialogue_splitter(d)]

    steps = []
    for html in HTML_ADVERSARIAL + messages[:150]:
        steps.append({'step': 'html_normalizer', 'input': html, 'expected': html_normalizer(html)})
    for d in dialogues[:60]:
        steps.append({'step': 'dialogue_splitter', 'input': d, 'expected': dialogue_splitter(d)})
    for name, fn in (('dialogue_splitter', dialogue_splitter), ('emoji_remover', emoji_remover),
                     ('text_normalizer', text_normalizer), ('text_upper', text_upper)):
        for text in STEP_ADVERSARIAL.get(name, []):
            steps.append({'step': name, 'input': text, 'expected': fn(text)})
    for text in messages[:120]:
        cleaned = html_normalizer(text)
        steps.append({'step': 'emoji_remover', 'input': cleaned, 'expected': emoji_remover(cleaned)})
        steps.append({'step': 'text_normalizer', 'input': cleaned,
                      'expected': text_normalizer(cleaned)})
    write('steps.json', {'cases': steps})

    write('utf8.json', {'cases': [{'hex': b.hex(), 'expected': b.decode('utf-8', 'replace')}
                                  for b in UTF8_CASES]})

    cases = []
    inputs = dialogues[:args.pipeline_dialogues] + ['[bom]' + h + '[eom]' for h in HTML_ADVERSARIAL[:25]] + [
        '', 'nan', '[bom] [eom]', 'no markers at all',
        '[bom]' + ' '.join(FILLER * 8) + '[eom][bom]short[eom]',
        "[bom]it ' s , don ' t ! ok ? " + 'word ' * 40 + '[eom]',
        '[bom][SEP] literal [CLS] tokens [eom]']
    for tokenizer, steps_cfg, max_len, truncate, max_chunks in PIPELINE_CONFIGS:
        names = PRIMARY if steps_cfg is None else SECONDARY if steps_cfg == 'secondary' else steps_cfg
        for text in inputs:
            chunks, ids = run_pipeline(names, text, tokenizers[tokenizer], max_len, truncate,
                                       max_chunks)
            cases.append({'tokenizer': tokenizer, 'steps': names, 'max_sen_len': max_len, 'chunk_truncate': truncate,
                          'max_total_chunks': max_chunks, 'input': text, 'chunks': chunks,
                          'input_ids': ids})
    for tokenizer, names, max_len, truncate, max_chunks in BARE_STRING_CONFIGS:
        for text in BARE_STRING_INPUTS:
            chunks, ids = run_pipeline(names, text, tokenizers[tokenizer], max_len, truncate,
                                       max_chunks)
            cases.append({'tokenizer': tokenizer, 'steps': names, 'max_sen_len': max_len,
                          'chunk_truncate': truncate, 'max_total_chunks': max_chunks,
                          'input': text, 'chunks': chunks, 'input_ids': ids})
    write('pipeline.json', {'cases': cases})


if __name__ == '__main__':
    main()
