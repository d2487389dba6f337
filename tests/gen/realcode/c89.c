/* A library built as C89 with a strict warning set (as cJSON builds itself): the traced twin must
 * build with the same flags, and a longjmp through traced frames (an error path, as parsers and
 * interpreters have) must leave the calls made after setjmp's second return at their own depth. */
/* cflags: -std=c89 -pedantic -Wconversion -Wc++-compat -Wcast-qual -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wundef -Wswitch-default -Wswitch-enum -Wdouble-promotion -Wunused-macros -Wwrite-strings -Wdeclaration-after-statement */
/* expect: parse_value fn_exit 4 */
/* expect: fail_at fn_exit 0 */
/* expect: recover_from fn_exit 2 */
/* expect-depth: report 2 2 */
/* expect-depth: parse_value 3 5 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

typedef enum { TOKEN_NUMBER, TOKEN_WORD, TOKEN_END } token_kind;

typedef struct {
    const char *text;
    size_t at;
    jmp_buf on_error;
} parser;

static token_kind kind_of(char c)
{
    if (c >= '0' && c <= '9') return TOKEN_NUMBER;
    if (c == '\0') return TOKEN_END;
    return TOKEN_WORD;
}

static void fail_at(parser *p)
{
    longjmp(p->on_error, 1); /* past parse_value and parse_list */
}

static double parse_value(parser *p)
{
    double v = 0.0;
    switch (kind_of(p->text[p->at])) {
    case TOKEN_NUMBER:
        while (kind_of(p->text[p->at]) == TOKEN_NUMBER) v = v * 10.0 + (double)(p->text[p->at++] - '0');
        break;
    case TOKEN_WORD:
        fail_at(p);
        break;
    case TOKEN_END:
    default:
        break;
    }
    return v;
}

static double parse_list(parser *p)
{
    double sum = 0.0;
    while (p->text[p->at] != '\0') {
        sum += parse_value(p);
        if (p->text[p->at] == ',') p->at++;
    }
    return sum;
}

static void report(const char *what, double v)
{
    printf("%s %.1f\n", what, v);
}

static int recover_from(const char *text)
{
    parser p;
    p.text = text;
    p.at = 0;
    if (setjmp(p.on_error) != 0) {
        report("error at", (double)p.at); /* after the longjmp: at recover_from's depth + 1 */
        return -1;
    }
    report("sum", parse_list(&p));
    return 0;
}

int main(void)
{
    int bad = recover_from("12,30,x,4");
    int good = recover_from("1,2");
    printf("%d %d\n", bad, good);
    return 0;
}
