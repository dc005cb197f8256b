/* Benchmark: a state machine. A tokenizer for a small C-like language, one
 * `switch` over its state per input byte, runs over 16 KiB of generated
 * source text (identifiers and keywords, decimal and hex numbers, strings
 * with escapes, `#` line comments, one- and two-character operators,
 * punctuation). A second, token-level machine tracks bracket depth and
 * counts statements. Every token's kind and value is folded into a
 * checksum. Between passes two bytes of the text are swapped, so every pass
 * sees different input; the tokenizer accepts any bytes.
 *
 * The same source is compiled for the host by tests/bench/run_bench.py
 * (-DHOST) to get the expected checksum; keep it free of undefined and
 * implementation-defined behaviour (text is unsigned bytes). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TEXT_SIZE 16384u
#define PASSES 370u
#define MAX_TOKEN 40u

enum char_class { C_OTHER, C_LETTER, C_DIGIT, C_SPACE, C_NEWLINE, C_QUOTE,
                  C_BACKSLASH, C_HASH, C_OP, C_PUNCT };
enum state { S_START, S_IDENT, S_ZERO, S_DECIMAL, S_HEX, S_STRING, S_ESCAPE,
             S_COMMENT, S_OP };
enum token { T_IDENT, T_KEYWORD, T_NUMBER, T_STRING, T_OP, T_PUNCT,
             T_NEWLINE, T_ERROR, T_KINDS };

static uint8_t text[TEXT_SIZE];
static uint8_t char_class[256];
static uint32_t keyword_hash[8];
static const char *const keywords[8] = {
    "if", "else", "while", "for", "return", "int", "void", "break",
};

/* What the token-level machine keeps. */
static uint32_t checksum;
static uint32_t token_count[T_KINDS];
static uint32_t depth, max_depth, statements, unbalanced;

static uint32_t rng = 0x3c6ef372u;

static uint32_t xorshift32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static uint32_t fnv1a_step(uint32_t h, uint8_t c)
{
    return (h ^ c) * 16777619u;
}

static void init_tables(void)
{
    for (unsigned c = 0; c < 256; c++)
        char_class[c] = C_OTHER;
    for (unsigned c = 'a'; c <= 'z'; c++)
        char_class[c] = C_LETTER;
    for (unsigned c = 'A'; c <= 'Z'; c++)
        char_class[c] = C_LETTER;
    char_class['_'] = C_LETTER;
    for (unsigned c = '0'; c <= '9'; c++)
        char_class[c] = C_DIGIT;
    char_class[' '] = C_SPACE;
    char_class['\t'] = C_SPACE;
    char_class['\n'] = C_NEWLINE;
    char_class['"'] = C_QUOTE;
    char_class['\\'] = C_BACKSLASH;
    char_class['#'] = C_HASH;
    for (const char *p = "+-*/<>=!&|^%~"; *p; p++)
        char_class[(uint8_t)*p] = C_OP;
    for (const char *p = "(){}[];,."; *p; p++)
        char_class[(uint8_t)*p] = C_PUNCT;
    for (unsigned k = 0; k < 8; k++) {
        uint32_t h = 2166136261u;
        for (const char *p = keywords[k]; *p; p++)
            h = fnv1a_step(h, (uint8_t)*p);
        keyword_hash[k] = h;
    }
}

/* The token-level machine. */
static void emit(enum token kind, uint32_t value)
{
    token_count[kind]++;
    checksum = (checksum ^ (uint32_t)kind) * 16777619u + value;
    if (kind == T_PUNCT) {
        switch (value) {
        case '(': case '[': case '{':
            depth++;
            if (depth > max_depth)
                max_depth = depth;
            break;
        case ')': case ']': case '}':
            if (depth > 0)
                depth--;
            else
                unbalanced++;
            break;
        case ';':
            statements++;
            break;
        default:
            break;
        }
    }
}

static int is_two_char_op(uint8_t first, uint8_t second)
{
    switch (first) {
    case '=': case '!': case '<': case '>':
        return second == '=' || (second == first && first != '!' && first != '=');
    case '&': case '|': case '+': case '-':
        return second == first || second == '=';
    default:
        return 0;
    }
}

/* The byte-level machine: one pass over text[0..len). */
static void tokenize(const uint8_t *in, size_t len)
{
    enum state state = S_START;
    uint32_t value = 0;
    uint8_t first = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = in[i];
        uint8_t cls = char_class[c];
    again:
        switch (state) {
        case S_START:
            switch (cls) {
            case C_LETTER: state = S_IDENT; value = fnv1a_step(2166136261u, c); break;
            case C_DIGIT:
                if (c == '0') {
                    state = S_ZERO;
                    value = 0;
                } else {
                    state = S_DECIMAL;
                    value = (uint32_t)(c - '0');
                }
                break;
            case C_SPACE: break;
            case C_NEWLINE: emit(T_NEWLINE, 0); break;
            case C_QUOTE: state = S_STRING; value = 0; break;
            case C_HASH: state = S_COMMENT; break;
            case C_OP: state = S_OP; first = c; break;
            case C_PUNCT: emit(T_PUNCT, c); break;
            default: emit(T_ERROR, c); break;
            }
            break;
        case S_IDENT:
            if (cls == C_LETTER || cls == C_DIGIT) {
                value = fnv1a_step(value, c);
            } else {
                enum token kind = T_IDENT;
                for (unsigned k = 0; k < 8; k++)
                    if (keyword_hash[k] == value) {
                        kind = T_KEYWORD;
                        value = k;
                        break;
                    }
                emit(kind, value);
                state = S_START;
                goto again;
            }
            break;
        case S_ZERO:
            if (c == 'x' || c == 'X') {
                state = S_HEX;
                break;
            }
            state = S_DECIMAL;
            goto again;
        case S_DECIMAL:
            if (cls == C_DIGIT) {
                value = value * 10u + (uint32_t)(c - '0');
            } else {
                emit(T_NUMBER, value);
                state = S_START;
                goto again;
            }
            break;
        case S_HEX:
            if (cls == C_DIGIT) {
                value = value << 4 | (uint32_t)(c - '0');
            } else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
                value = value << 4 | (uint32_t)((c | 0x20u) - 'a' + 10u);
            } else {
                emit(T_NUMBER, value);
                state = S_START;
                goto again;
            }
            break;
        case S_STRING:
            switch (cls) {
            case C_QUOTE: emit(T_STRING, value); state = S_START; break;
            case C_BACKSLASH: state = S_ESCAPE; break;
            case C_NEWLINE: emit(T_ERROR, value); state = S_START; goto again;
            default: value = value * 31u + c; break;
            }
            break;
        case S_ESCAPE:
            switch (c) {
            case 'n': value = value * 31u + '\n'; break;
            case 't': value = value * 31u + '\t'; break;
            default: value = value * 31u + c; break;
            }
            state = S_STRING;
            break;
        case S_COMMENT:
            if (cls == C_NEWLINE) {
                state = S_START;
                goto again;
            }
            break;
        case S_OP:
            state = S_START;
            if (is_two_char_op(first, c)) {
                emit(T_OP, (uint32_t)first << 8 | c);
                break;
            }
            emit(T_OP, first);
            goto again;
        }
    }
    /* End of input ends the token in progress. */
    switch (state) {
    case S_IDENT: emit(T_IDENT, value); break;
    case S_ZERO: case S_DECIMAL: case S_HEX: emit(T_NUMBER, value); break;
    case S_STRING: case S_ESCAPE: emit(T_ERROR, value); break;
    case S_OP: emit(T_OP, first); break;
    default: break;
    }
}

/* Appends one generated token and a separator at text[pos]; returns the new
 * position. Never writes more than MAX_TOKEN bytes. */
static size_t generate_token(size_t pos)
{
    static const char letters[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";
    static const char *const ops[] = {
        "+", "-", "*", "/", "=", "==", "!=", "<", "<=", "<<", ">>", "&&", "||",
        "+=", "-", "!", "%", "^", "~",
    };
    static const char puncts[] = "(){}[];,.;;(";
    uint32_t r = xorshift32();
    uint8_t *out = text + pos;
    size_t n = 0;
    switch (r % 16u) {
    case 0: case 1: case 2: case 3: { /* identifier */
        uint32_t length = 1u + (r >> 8) % 10u;
        out[n++] = (uint8_t)letters[(r >> 12) % 53u]; /* not a digit first */
        for (uint32_t k = 1; k < length; k++)
            out[n++] = (uint8_t)letters[xorshift32() % 63u];
        break;
    }
    case 4: { /* keyword */
        const char *k = keywords[(r >> 8) % 8u];
        while (*k)
            out[n++] = (uint8_t)*k++;
        break;
    }
    case 5: case 6: { /* decimal number */
        uint32_t v = (r >> 8) % 1000000u;
        char digits[12];
        int d = 0;
        do {
            digits[d++] = (char)('0' + v % 10u);
            v /= 10u;
        } while (v);
        while (d > 0)
            out[n++] = (uint8_t)digits[--d];
        break;
    }
    case 7: { /* hex number */
        static const char hex[] = "0123456789abcdefABCDEF";
        out[n++] = '0';
        out[n++] = 'x';
        uint32_t length = 1u + (r >> 8) % 8u;
        for (uint32_t k = 0; k < length; k++)
            out[n++] = (uint8_t)hex[xorshift32() % 22u];
        break;
    }
    case 8: { /* string */
        static const char inside[] = "abc def\\\"\\n\\\\xyz 012!?";
        uint32_t length = (r >> 8) % 20u;
        out[n++] = '"';
        for (uint32_t k = 0; k < length; k++) {
            uint8_t c = (uint8_t)inside[xorshift32() % (sizeof inside - 1u)];
            out[n++] = c;
            if (c == '\\')
                out[n++] = (uint8_t)"n\"\\t"[xorshift32() % 4u];
        }
        out[n++] = '"';
        break;
    }
    case 9: { /* comment */
        uint32_t length = (r >> 8) % 30u;
        out[n++] = '#';
        for (uint32_t k = 0; k < length; k++)
            out[n++] = (uint8_t)letters[xorshift32() % 63u];
        break;
    }
    case 10: case 11: case 12: { /* operator */
        const char *o = ops[(r >> 8) % (sizeof ops / sizeof ops[0])];
        while (*o)
            out[n++] = (uint8_t)*o++;
        break;
    }
    default: /* punctuation */
        out[n++] = (uint8_t)puncts[(r >> 8) % (sizeof puncts - 1u)];
        break;
    }
    /* A comment runs to the end of the line. */
    out[n++] = (r % 16u == 9u || (r >> 28) == 0) ? '\n' : ' ';
    return pos + n;
}

int main(void)
{
    init_tables();
    size_t pos = 0;
    while (pos + MAX_TOKEN < TEXT_SIZE)
        pos = generate_token(pos);
    memset(text + pos, ' ', TEXT_SIZE - pos);

    for (uint32_t pass = 0; pass < PASSES; pass++) {
        depth = 0;
        tokenize(text, TEXT_SIZE);
        checksum ^= depth;
        uint32_t i = xorshift32() % TEXT_SIZE, j = xorshift32() % TEXT_SIZE;
        uint8_t t = text[i];
        text[i] = text[j];
        text[j] = t;
    }
    uint32_t tokens = 0;
    for (unsigned k = 0; k < T_KINDS; k++)
        tokens += token_count[k];
    if (token_count[T_KEYWORD] == 0 || token_count[T_STRING] == 0 ||
        token_count[T_NUMBER] == 0 || statements == 0) {
        printf("parser: implausible token counts\n");
        return 1;
    }
    checksum ^= tokens + max_depth + statements + unbalanced;
    printf("parser: checksum 0x%08lx\n", (unsigned long)checksum);
    return 0;
}
