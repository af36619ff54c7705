/*
 * run-interactive.c - the `model run MODEL` conversation at a terminal, in
 * the manner of `ollama run`: a ">>> " prompt with libedit line editing and
 * a history file in the store, `"""` for multi-line messages, slash
 * commands, Ctrl-C to stop an answer (the conversation stays), Ctrl-D or
 * /bye to leave.
 *
 * Ctrl-C arrives as SIGINT (the handler run-chat.c installs only sets a
 * flag). While an answer streams, the session sees the flag before the next
 * token; at the prompt, libedit returns with EINTR and the input line is
 * dropped, as in a shell.
 */
#include "run.h"

#include <errno.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usage.h"
#include "../common/err.h"
#include "../common/strbuf.h"

#define HISTORY_MAX 1000

struct repl {
    struct run_chat *rc;
    EditLine *el;
    History *hist;
    HistEvent ev;
    char *hist_path;
    int multiline;            /* inside """ ... """ */
};

static char *prompt_main(EditLine *el)
{
    (void)el;
    return ">>> ";
}

static char *prompt_cont(EditLine *el)
{
    (void)el;
    return "... ";
}

static void help(void)
{
    printf("Available commands:\n"
           "  /set            Set session variables\n"
           "  /show info      Show the model, its context, memory and parameters\n"
           "  /clear          Clear the session context\n"
           "  /bye, /exit     Exit\n"
           "  /?, /help       Help for a command\n"
           "\n"
           "Use \"\"\" to begin and end a multi-line message.\n"
           "Ctrl-C stops an answer; Ctrl-D exits.\n\n");
}

static void help_set(void)
{
    printf("Available /set commands:\n"
           "  /set parameter NAME VALUE   Set a parameter: temperature, top_p, top_k, min_p,\n"
           "                              repeat_penalty, seed, num_ctx, num_predict\n"
           "  /set system TEXT            Set the system message\n"
           "  /set think                  Show the model's reasoning\n"
           "  /set nothink                Hide the model's reasoning\n"
           "  /set verbose                Show statistics after each answer\n"
           "  /set quiet                  Do not show statistics\n\n");
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

static void cmd_set(struct repl *r, char *args)
{
    struct run_chat *rc = r->rc;
    char *what = strtok(args, " \t");
    if (!what) {
        help_set();
        return;
    }
    if (!strcmp(what, "parameter")) {
        char *name = strtok(NULL, " \t"), *value = strtok(NULL, " \t");
        if (!name || !value) {
            printf("Usage: /set parameter NAME VALUE\n");
            return;
        }
        int which = gen_param_lookup(name);
        struct gen_params before = rc->params;
        if (gen_params_set(&rc->params, name, value, SRC_SET) < 0) {
            printf("Couldn't set parameter: %s\n", err_msg());
            return;
        }
        if (which == GP_NUM_CTX && run_chat_set_ctx(rc, (int)rc->params.v[GP_NUM_CTX]) < 0) {
            rc->params = before;
            return;
        }
        printf("Set parameter '%s' to '%s'\n", gen_param_name((enum gen_param)which), value);
    } else if (!strcmp(what, "system")) {
        char *text = strtok(NULL, "");
        text = text ? trim(text) : NULL;
        size_t n = text ? strlen(text) : 0;
        if (n >= 2 && text[0] == '"' && text[n - 1] == '"') {
            text[n - 1] = 0;
            text++;
        }
        free(rc->system);
        rc->system = text && *text ? strdup(text) : NULL;
        printf(rc->system ? "Set system message.\n" : "Cleared system message.\n");
    } else if (!strcmp(what, "think")) {
        rc->disp.hide_thinking = 0;
        if (rc->tmpl)
            session_template_set_thinking(rc->tmpl, -1);
        printf("Set 'think' mode.\n");
    } else if (!strcmp(what, "nothink")) {
        rc->disp.hide_thinking = 1;
        if (rc->tmpl)
            session_template_set_thinking(rc->tmpl, 0); /* models that can answer without thinking do */
        printf("Set 'nothink' mode: the reasoning is hidden.\n");
    } else if (!strcmp(what, "verbose")) {
        rc->verbose = 1;
        printf("Set 'verbose' mode.\n");
    } else if (!strcmp(what, "quiet")) {
        rc->verbose = 0;
        printf("Set 'quiet' mode.\n");
    } else {
        printf("Unknown command '/set %s'. Type /? for help\n", what);
    }
}

/* A slash command. 1: leave the session. */
static int command(struct repl *r, char *line)
{
    struct run_chat *rc = r->rc;
    char *cmd = strtok(line, " \t");
    char *rest = strtok(NULL, "");
    if (!strcmp(cmd, "/bye") || !strcmp(cmd, "/exit"))
        return 1;
    if (!strcmp(cmd, "/?") || !strcmp(cmd, "/help")) {
        if (rest && !strncmp(trim(rest), "set", 3))
            help_set();
        else
            help();
    } else if (!strcmp(cmd, "/clear")) {
        cJSON_Delete(rc->conv);
        rc->conv = cJSON_CreateArray();
        printf("Cleared session context\n");
    } else if (!strcmp(cmd, "/set")) {
        cmd_set(r, rest ? rest : (char[]){ 0 });
    } else if (!strcmp(cmd, "/show")) {
        char *what = rest ? trim(rest) : "";
        if (!strcmp(what, "info") || !strcmp(what, "parameters"))
            run_chat_show_info(rc, stdout);
        else if (!strcmp(what, "system"))
            printf("%s\n", rc->system ? rc->system : "No system message was specified for this model.");
        else
            printf("Available /show commands: /show info, /show system\n");
    } else {
        printf("Unknown command '%s'. Type /? for help\n", cmd);
    }
    return 0;
}

/* One line from the terminal: 0 ok, 1 end of input (Ctrl-D), 2 interrupted (Ctrl-C). */
static int read_line(struct repl *r, const char **out)
{
    int count = 0;
    el_set(r->el, EL_PROMPT, r->multiline ? prompt_cont : prompt_main);
    errno = 0;
    const char *line = el_gets(r->el, &count);
    if (*r->rc->cancel) {
        *r->rc->cancel = 0;
        return 2;
    }
    if (!line || count <= 0)
        return errno == EINTR ? 2 : 1;
    *out = line;
    return 0;
}

static void add_history(struct repl *r, const char *text)
{
    if (*text)
        history(r->hist, &r->ev, H_ENTER, text);
}

int run_interactive(struct run_chat *rc)
{
    struct repl r;
    memset(&r, 0, sizeof r);
    r.rc = rc;
    char *root = store_default_root();
    struct store *st = root ? store_open(root) : NULL; /* creates the root, so the history has a home */
    store_close(st);
    err_clear();
    if (root) {
        size_t n = strlen(root) + 16;
        if ((r.hist_path = malloc(n)))
            snprintf(r.hist_path, n, "%s/history", root);
        free(root);
    }
    r.hist = history_init();
    history(r.hist, &r.ev, H_SETSIZE, HISTORY_MAX);
    history(r.hist, &r.ev, H_SETUNIQUE, 1);
    if (r.hist_path)
        history(r.hist, &r.ev, H_LOAD, r.hist_path);
    r.el = el_init("model", stdin, stdout, stderr);
    el_set(r.el, EL_EDITOR, "emacs");
    el_set(r.el, EL_HIST, history, r.hist);
    el_set(r.el, EL_SIGNAL, 0);
    el_source(r.el, NULL); /* ~/.editrc */

    struct strbuf msg = { 0 }; /* the message being typed (several lines between """) */
    int status = EXIT_OK;
    for (;;) {
        const char *line;
        int got = read_line(&r, &line);
        if (got == 1) {
            if (r.multiline)
                continue;
            printf("\n");
            break;
        }
        if (got == 2) {
            /* Ctrl-C at the prompt: forget the line (or the unfinished multi-line message) */
            printf("\n");
            if (r.multiline) {
                r.multiline = 0;
                msg.n = 0;
            } else {
                printf("Use Ctrl + d or /bye to exit.\n");
            }
            continue;
        }
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;

        if (r.multiline) {
            const char *end = memmem(line, len, "\"\"\"", 3);
            if (strbuf_add(&msg, line, end ? (size_t)(end - line) : len) < 0)
                break;
            if (!end) {
                strbuf_add(&msg, "\n", 1);
                continue;
            }
            r.multiline = 0;
        } else {
            msg.n = 0;
            if (len >= 3 && !memcmp(line, "\"\"\"", 3)) {
                const char *body = line + 3;
                size_t blen = len - 3;
                const char *end = memmem(body, blen, "\"\"\"", 3);
                if (strbuf_add(&msg, body, end ? (size_t)(end - body) : blen) < 0)
                    break;
                if (!end) {
                    if (msg.n)
                        strbuf_add(&msg, "\n", 1);
                    r.multiline = 1;
                    continue;
                }
            } else if (strbuf_add(&msg, line, len) < 0) {
                break;
            }
        }
        if (!msg.p)
            continue;
        add_history(&r, msg.p);
        char *text = trim(msg.p);
        if (!*text)
            continue;
        if (text[0] == '/' && !strchr(text, '\n')) {
            if (command(&r, text))
                break;
            continue;
        }
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "role", "user");
        cJSON_AddStringToObject(m, "content", text);
        cJSON_AddItemToArray(rc->conv, m);
        enum session_stop stop;
        *rc->cancel = 0;
        if (run_chat_turn(rc, &stop) == 0 && stop == STOP_CANCELLED)
            printf("%s(stopped)%s\n", display_dim(&rc->disp), display_reset(&rc->disp));
        *rc->cancel = 0;
        printf("\n");
        fflush(stdout);
    }
    free(msg.p);
    if (r.hist_path && history(r.hist, &r.ev, H_SAVE, r.hist_path) < 0)
        warn("cannot save the history to %s", r.hist_path);
    el_end(r.el);
    history_end(r.hist);
    free(r.hist_path);
    return status;
}
