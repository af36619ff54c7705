/*
 * jinja-format.c - Python's two string-formatting mini-languages, as
 * templates reach them: `'%s: %d' % (a, b)` and the `format` filter
 * (printf style), and `'{}: {name}'.format(a, name=b)` (str.format).
 *
 * Supported: printf conversions s r d i u f F e E g G x X o c % with flags
 * "-+ 0#", width, precision and %(key)s mapping keys; str.format fields
 * {} {0} {name} with !s/!r and a spec of [[fill]align][sign][0][width]
 * [,][.precision][type] for types s d f F e E g G x X o %. Widths count
 * bytes, not characters, for non-ASCII text.
 */
#include "jinja-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_padded(struct jctx *c, struct jbuf *b, const char *s, size_t n, int width, char align, char fill)
{
    size_t pad = width > 0 && (size_t)width > n ? (size_t)width - n : 0;
    size_t left = align == '<' ? 0 : align == '^' ? pad / 2 : pad;
    for (size_t i = 0; i < left; i++)
        jb_putc(c, b, fill);
    jb_put(c, b, s, n);
    for (size_t i = left; i < pad; i++)
        jb_putc(c, b, fill);
}

static int64_t as_int(struct jctx *c, struct jval v, char conv)
{
    if (v.t == JT_INT)
        return v.u.i;
    if (v.t == JT_BOOL)
        return v.u.b;
    if (v.t == JT_FLOAT && (conv == 'd' || conv == 'i' || conv == 'u') && fabs(v.u.f) < 9.2e18)
        return (int64_t)v.u.f;
    jv_require(c, v);
    jthrow(c, "%%%c format: a number is required, not %s", conv, jv_typename(v));
}

static double as_double(struct jctx *c, struct jval v, char conv)
{
    if (jv_is_number(v))
        return jv_num(v);
    jv_require(c, v);
    jthrow(c, "%%%c format: a real number is required, not %s", conv, jv_typename(v));
}

/* One conversion with C printf, which matches Python for these types. */
static void conv_number(struct jctx *c, struct jbuf *b, struct jval v, const char *flags, int width, int prec,
                        char conv)
{
    char fmt[32], out[512];
    int n;
    if (strchr("diuxXoc", conv)) {
        int64_t x = as_int(c, v, conv);
        if (conv == 'c') {
            if (x < 0 || x > 0x10FFFF)
                jthrow(c, "%%c arg not in range(0x110000)");
            char u[5];
            int k = 0;
            if (x < 0x80) {
                u[k++] = (char)x;
            } else if (x < 0x800) {
                u[k++] = (char)(0xC0 | (x >> 6));
                u[k++] = (char)(0x80 | (x & 0x3F));
            } else if (x < 0x10000) {
                u[k++] = (char)(0xE0 | (x >> 12));
                u[k++] = (char)(0x80 | ((x >> 6) & 0x3F));
                u[k++] = (char)(0x80 | (x & 0x3F));
            } else {
                u[k++] = (char)(0xF0 | (x >> 18));
                u[k++] = (char)(0x80 | ((x >> 12) & 0x3F));
                u[k++] = (char)(0x80 | ((x >> 6) & 0x3F));
                u[k++] = (char)(0x80 | (x & 0x3F));
            }
            put_padded(c, b, u, (size_t)k, width, strchr(flags, '-') ? '<' : '>', ' ');
            return;
        }
        char cc = conv == 'i' || conv == 'u' ? 'd' : conv;
        if (prec >= 0)
            snprintf(fmt, sizeof fmt, "%%%s*.*ll%c", flags, cc);
        else
            snprintf(fmt, sizeof fmt, "%%%s*ll%c", flags, cc);
        if (cc == 'x' || cc == 'X' || cc == 'o') {
            /* Python prints negative hex as -ff, C would print two's complement */
            unsigned long long ux = x < 0 ? (unsigned long long)0 - (unsigned long long)x : (unsigned long long)x;
            char body[64];
            snprintf(body, sizeof body, cc == 'x' ? "%llx" : cc == 'X' ? "%llX" : "%llo", ux);
            char full[80];
            snprintf(full, sizeof full, "%s%s%s", x < 0 ? "-" : strchr(flags, '+') ? "+" : strchr(flags, ' ') ? " " : "",
                     strchr(flags, '#') ? (cc == 'x' ? "0x" : cc == 'X' ? "0X" : "0o") : "", body);
            put_padded(c, b, full, strlen(full), width, strchr(flags, '-') ? '<' : '>', ' ');
            return;
        }
        n = prec >= 0 ? snprintf(out, sizeof out, fmt, width, prec, (long long)x)
                      : snprintf(out, sizeof out, fmt, width, (long long)x);
    } else {
        double d = as_double(c, v, conv);
        snprintf(fmt, sizeof fmt, "%%%s*.*%c", flags, conv);
        n = snprintf(out, sizeof out, fmt, width, prec >= 0 ? prec : 6, d);
    }
    if (n < 0 || (size_t)n >= sizeof out)
        jthrow(c, "formatted number too long");
    jb_put(c, b, out, (size_t)n);
}

struct jval jformat_percent(struct jctx *c, struct jval fmt, struct jval args)
{
    struct jbuf b = { 0 };
    const char *p = fmt.u.s->p, *end = p + fmt.u.s->n;
    size_t next = 0, nargs = args.t == JT_LIST && args.u.l->tuple ? args.u.l->n : 1;
    int used_mapping = 0;
    while (p < end) {
        const char *pct = memchr(p, '%', (size_t)(end - p));
        if (!pct) {
            jb_put(c, &b, p, (size_t)(end - p));
            break;
        }
        jb_put(c, &b, p, (size_t)(pct - p));
        p = pct + 1;
        if (p >= end)
            jthrow(c, "incomplete format");
        struct jval v;
        int have = 0;
        if (*p == '(') {                          /* %(key)s */
            const char *close = memchr(p, ')', (size_t)(end - p));
            if (!close)
                jthrow(c, "incomplete format key");
            if (args.t != JT_DICT)
                jthrow(c, "format requires a mapping");
            struct jval *x = jd_get_str(args.u.d, p + 1, (size_t)(close - p - 1));
            if (!x)
                jthrow(c, "format key '%.*s' not found", (int)(close - p - 1), p + 1);
            v = *x;
            have = used_mapping = 1;
            p = close + 1;
        }
        char flags[8] = "";
        size_t nf = 0;
        while (p < end && strchr("-+ 0#", *p) && nf < sizeof flags - 1)
            flags[nf++] = *p++;
        flags[nf] = 0;
        int width = 0, prec = -1;
        while (p < end && *p >= '0' && *p <= '9' && width < 10000)
            width = width * 10 + (*p++ - '0');
        if (p < end && *p == '.') {
            p++;
            prec = 0;
            while (p < end && *p >= '0' && *p <= '9' && prec < 10000)
                prec = prec * 10 + (*p++ - '0');
        }
        if (width > 4096 || prec > 4096)
            jthrow(c, "format width or precision too large");
        if (p >= end)
            jthrow(c, "incomplete format");
        char conv = *p++;
        if (conv == '%') {
            jb_putc(c, &b, '%');
            continue;
        }
        if (!have) {
            if (next >= nargs)
                jthrow(c, "not enough arguments for format string");
            v = args.t == JT_LIST && args.u.l->tuple ? args.u.l->v[next] : args;
            next++;
        }
        if (conv == 's' || conv == 'r' || conv == 'a') {
            struct jbuf t = { 0 };
            if (conv == 's')
                jv_write_str(c, &t, v);
            else
                jv_write_repr(c, &t, v);
            size_t n = t.n;
            if (prec >= 0 && (size_t)prec < n)
                n = ju_offset(t.p, t.n, (size_t)prec);
            put_padded(c, &b, t.p ? t.p : "", n, width, strchr(flags, '-') ? '<' : '>', ' ');
        } else if (strchr("diuxXocfFeEgG", conv)) {
            conv_number(c, &b, v, flags, width, prec, conv);
        } else {
            jthrow(c, "unsupported format character '%c'", conv);
        }
    }
    if (!used_mapping && next < nargs && !(args.t == JT_DICT))
        jthrow(c, "not all arguments converted during string formatting");
    return jv_str(c, b.p ? b.p : "", b.n);
}

struct jval jformat_brace(struct jctx *c, struct jval fmt, struct jval *args, size_t nargs, const char **kwn,
                          struct jval *kwv, size_t nkw)
{
    struct jbuf b = { 0 };
    const char *p = fmt.u.s->p, *end = p + fmt.u.s->n;
    size_t autonum = 0;
    while (p < end) {
        char ch = *p;
        if (ch == '}') {
            if (p + 1 < end && p[1] == '}') {
                jb_putc(c, &b, '}');
                p += 2;
                continue;
            }
            jthrow(c, "single '}' encountered in format string");
        }
        if (ch != '{') {
            jb_putc(c, &b, ch);
            p++;
            continue;
        }
        if (p + 1 < end && p[1] == '{') {
            jb_putc(c, &b, '{');
            p += 2;
            continue;
        }
        const char *close = memchr(p, '}', (size_t)(end - p));
        if (!close)
            jthrow(c, "single '{' encountered in format string");
        const char *f = p + 1, *fend = close;
        const char *colon = memchr(f, ':', (size_t)(fend - f));
        const char *bang = memchr(f, '!', (size_t)((colon ? colon : fend) - f));
        const char *name_end = bang ? bang : colon ? colon : fend;
        struct jval v;
        size_t nl = (size_t)(name_end - f);
        if (nl == 0) {
            if (autonum >= nargs)
                jthrow(c, "replacement index %zu out of range for positional args tuple", autonum);
            v = args[autonum++];
        } else if (f[0] >= '0' && f[0] <= '9') {
            size_t idx = (size_t)strtoul(f, NULL, 10);
            if (idx >= nargs)
                jthrow(c, "replacement index %zu out of range for positional args tuple", idx);
            v = args[idx];
        } else {
            size_t k;
            for (k = 0; k < nkw; k++)
                if (strlen(kwn[k]) == nl && !memcmp(kwn[k], f, nl))
                    break;
            if (k == nkw)
                jthrow(c, "format field '%.*s' not given", (int)nl, f);
            v = kwv[k];
        }
        char conv = bang && bang + 1 < fend ? bang[1] : 's';
        /* spec: [[fill]align][sign][0][width][,][.precision][type] */
        char fill = ' ', align = 0, sign = 0, type = 0;
        int width = 0, prec = -1, zero = 0;
        if (colon) {
            const char *s = colon + 1;
            if (s + 1 < fend && strchr("<>^=", s[1])) {
                fill = s[0];
                align = s[1];
                s += 2;
            } else if (s < fend && strchr("<>^=", s[0])) {
                align = *s++;
            }
            if (s < fend && strchr("+- ", *s))
                sign = *s++;
            if (s < fend && *s == '0') {
                zero = 1;
                s++;
            }
            while (s < fend && *s >= '0' && *s <= '9' && width < 10000)
                width = width * 10 + (*s++ - '0');
            if (s < fend && *s == ',')
                s++;
            if (s < fend && *s == '.') {
                s++;
                prec = 0;
                while (s < fend && *s >= '0' && *s <= '9' && prec < 10000)
                    prec = prec * 10 + (*s++ - '0');
            }
            if (s < fend)
                type = *s++;
            if (s != fend || width > 4096 || prec > 4096)
                jthrow(c, "invalid format specifier '%.*s'", (int)(fend - colon - 1), colon + 1);
        }
        struct jbuf t = { 0 };
        if (conv == 'r')
            jv_write_repr(c, &t, v);
        if (type && strchr("dfFeEgGxXo%", type)) {
            char flags[4] = "";
            size_t nf = 0;
            if (sign && sign != '-')
                flags[nf++] = sign;
            flags[nf] = 0;
            struct jval num = v;
            if (type == '%') {
                num = jv_float(as_double(c, v, '%') * 100.0);
                type = 'f';
            }
            conv_number(c, &t, num, flags, 0, prec, type);
            if (type == 'f' && colon && memchr(colon, '%', (size_t)(fend - colon)))
                jb_putc(c, &t, '%');
            if (zero && !align) {
                fill = '0';
                align = '=';
            }
            if (!align)
                align = '>';
        } else if (conv != 'r') {
            jv_write_str(c, &t, v);
            if (prec >= 0 && t.p && (size_t)prec < ju_count(t.p, t.n))
                t.n = ju_offset(t.p, t.n, (size_t)prec);
            if (!align)
                align = jv_is_number(v) && v.t != JT_BOOL ? '>' : '<';
        }
        if (!align)
            align = '<';
        const char *tp = t.p ? t.p : "";
        if (align == '=') {                        /* padding after the sign */
            size_t skip = t.n && (tp[0] == '-' || tp[0] == '+' || tp[0] == ' ') ? 1 : 0;
            jb_put(c, &b, tp, skip);
            put_padded(c, &b, tp + skip, t.n - skip, width - (int)skip, '>', fill);
        } else {
            put_padded(c, &b, tp, t.n, width, align, fill);
        }
        p = close + 1;
    }
    return jv_str(c, b.p ? b.p : "", b.n);
}
