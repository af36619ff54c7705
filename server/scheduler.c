/*
 * scheduler.c - model loading, per-model queues and slots, keep-alive
 * (see scheduler.h).
 *
 * Locking: s->mu guards the list of loaded models and every queue; loads
 * are serialised by s->load_mu so two requests for a cold model load it
 * once, and the slow part (mapping, KV allocation) runs without s->mu so
 * other models keep serving. Workers never hold s->mu while generating.
 */
#include "deadline.h"
#include "scheduler.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"

struct loaded;

struct worker {
    struct loaded *l;
    int index;
    void *slot;
    pthread_t thread;
    struct job *running;
    struct job *assigned;   /* handed to this worker by sched_submit, not started yet */
    int idle;               /* waiting for work */
    int64_t idle_since;
    uint64_t key;           /* affinity of the last conversation its KV cache holds */
};

struct loaded {
    struct scheduler *s;
    char *name, *key;
    void *model;
    struct engine_info info;
    int n_slots;
    struct worker *workers;
    int n_started;
    pthread_cond_t work;
    struct job *head, *tail;
    int n_queued, n_active;
    uint64_t n_requests, n_generated;  /* served so far, tokens generated so far */
    int stopping;
    int64_t loaded_at, last_used;
    int64_t keep_alive_ms;        /* a request's own keep-alive (Ollama's keep_alive), or KEEP_DEFAULT */
    struct loaded *next;
};

struct scheduler {
    struct sched_opts o;
    pthread_mutex_t mu, load_mu;
    pthread_cond_t tick;
    struct loaded *models;
    pthread_t janitor;
    int quit;
};

#define KEEP_DEFAULT INT64_MIN

static int64_t keep_alive_of(const struct scheduler *s, const struct loaded *l)
{
    return l->keep_alive_ms != KEEP_DEFAULT ? l->keep_alive_ms : s->o.keep_alive_ms;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail_job(struct job *j, int status, const char *msg)
{
    j->failed = 1;
    j->status = status;
    snprintf(j->err, sizeof j->err, "%s", msg);
    j->done(j);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct loaded *l = w->l;
    struct scheduler *s = l->s;

    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!w->assigned && !l->head && !l->stopping) {
            if (!w->idle) {
                w->idle = 1;
                w->idle_since = now_ms();
            }
            pthread_cond_wait(&l->work, &s->mu);
        }
        if (l->stopping)
            break;
        struct job *j = w->assigned;
        if (j) {
            w->assigned = NULL;
        } else {
            j = l->head;
            l->head = j->next;
            if (!l->head)
                l->tail = NULL;
        }
        w->idle = 0;
        w->key = j->affinity;
        l->n_queued--;
        l->n_active++;
        w->running = j;
        pthread_mutex_unlock(&s->mu);

        int status = 500;
        memset(&j->res, 0, sizeof j->res);
        if (*j->cancel) {
            j->res.finish = GEN_CANCELLED;
        } else if (s->o.ops->generate(w->slot, &j->in, &j->params, j->on_text, j->ctx, j->cancel, &j->res,
                                      &status) < 0) {
            j->failed = 1;
            j->status = status;
            snprintf(j->err, sizeof j->err, "%s", err_msg());
        }
        pthread_mutex_lock(&s->mu);
        w->running = NULL;
        l->n_active--;
        l->n_requests++;
        l->n_generated += (uint64_t)(j->res.completion_tokens > 0 ? j->res.completion_tokens : 0);
        l->last_used = now_ms();
        pthread_mutex_unlock(&s->mu);
        j->done(j);
        pthread_cond_broadcast(&s->tick);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Stop the workers and free the model. l is already out of s->models and
 * stopping; its queue is failed here. Called without s->mu. */
static void destroy_loaded(struct scheduler *s, struct loaded *l)
{
    pthread_mutex_lock(&s->mu);
    struct job *q = l->head;
    l->head = l->tail = NULL;
    l->n_queued = 0;
    for (int i = 0; i < l->n_slots; i++)
        if (l->workers && l->workers[i].assigned) {
            l->workers[i].assigned->next = q;
            q = l->workers[i].assigned;
            l->workers[i].assigned = NULL;
        }
    for (int i = 0; i < l->n_started; i++)
        if (l->workers[i].running)
            *l->workers[i].running->cancel = 1;
    pthread_cond_broadcast(&l->work);
    pthread_mutex_unlock(&s->mu);
    while (q) {
        struct job *next = q->next;
        fail_job(q, 503, "the model was unloaded before this request could start");
        q = next;
    }
    for (int i = 0; i < l->n_started; i++)
        pthread_join(l->workers[i].thread, NULL);
    for (int i = 0; i < l->n_slots; i++)
        if (l->workers && l->workers[i].slot)
            s->o.ops->slot_free(l->workers[i].slot);
    if (l->model)
        s->o.ops->unload(l->model);
    pthread_cond_destroy(&l->work);
    free(l->workers);
    free(l->name);
    free(l->key);
    free(l);
}

static struct loaded *find_loaded(struct scheduler *s, const char *key)
{
    for (struct loaded *l = s->models; l; l = l->next)
        if (!strcmp(l->key, key) && !l->stopping)
            return l;
    return NULL;
}

static void unlink_loaded(struct scheduler *s, struct loaded *l)
{
    for (struct loaded **p = &s->models; *p; p = &(*p)->next)
        if (*p == l) {
            *p = l->next;
            break;
        }
    l->stopping = 1;
}

/* Unload every idle model (to make room); returns how many. */
static int unload_idle(struct scheduler *s)
{
    struct loaded *victims = NULL;
    int n = 0;
    pthread_mutex_lock(&s->mu);
    for (struct loaded *l = s->models, *next; l; l = next) {
        next = l->next;
        if (l->n_active == 0 && l->n_queued == 0) {
            unlink_loaded(s, l);
            l->next = victims;
            victims = l;
            n++;
        }
    }
    pthread_mutex_unlock(&s->mu);
    while (victims) {
        struct loaded *next = victims->next;
        destroy_loaded(s, victims);
        victims = next;
    }
    return n;
}

static struct loaded *load(struct scheduler *s, const struct catalog_entry *e, int *status)
{
    struct loaded *l = calloc(1, sizeof *l);
    if (!l || !(l->name = strdup(e->name)) || !(l->key = strdup(e->key)) ||
        !(l->workers = calloc((size_t)s->o.parallel, sizeof *l->workers))) {
        if (l) {
            free(l->name);
            free(l->key);
        }
        free(l);
        *status = 500;
        return err_set("out of memory"), NULL;
    }
    l->s = s;
    l->n_slots = s->o.parallel;
    l->keep_alive_ms = KEEP_DEFAULT;
    pthread_cond_init(&l->work, NULL);
    l->model = s->o.ops->load((const char *const *)e->paths, e->n_paths, e->template_path, l->n_slots, &l->info,
                              status);
    if (!l->model && *status == 503 && unload_idle(s) > 0)
        l->model = s->o.ops->load((const char *const *)e->paths, e->n_paths, e->template_path, l->n_slots,
                                  &l->info, status);
    if (!l->model)
        goto fail;
    for (int i = 0; i < l->n_slots; i++) {
        l->workers[i].l = l;
        l->workers[i].index = i;
        l->workers[i].idle = 1;
        if (!(l->workers[i].slot = s->o.ops->slot_new(l->model, status)))
            goto fail;
    }
    l->loaded_at = l->last_used = now_ms();
    return l;
fail:;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", err_msg());
    l->stopping = 1;
    destroy_loaded(s, l);
    err_set("%s", msg);
    return NULL;
}

/* FNV-1a of what starts a conversation (its messages up to the first user
 * message, which stay the same turn after turn) or of a prompt (its first
 * 512 bytes): requests with the same start share a KV prefix. */
static uint64_t affinity(const struct gen_input *in)
{
    uint64_t h = 1469598103934665603ULL;
    char *text = NULL;
    const char *p = in->prompt;
    size_t n = p ? strlen(p) : 0;
    if (in->messages) {
        cJSON *first = cJSON_CreateArray();
        const cJSON *m;
        cJSON_ArrayForEach(m, in->messages)
        {
            cJSON_AddItemReferenceToArray(first, (cJSON *)m);
            const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
            if (cJSON_IsString(role) && !strcmp(role->valuestring, "user"))
                break;
        }
        text = cJSON_PrintUnformatted(first);
        cJSON_Delete(first);
        p = text;
        n = text ? strlen(text) : 0;
    }
    if (n > 512 && !in->messages)
        n = 512;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    free(text);
    return h ? h : 1;
}

int sched_submit(struct scheduler *s, const char *name, struct job *j, int *status)
{
    struct catalog_entry e;
    if (catalog_resolve(s->o.catalog, name, &e) < 0) {
        *status = 404;
        return -1;
    }
    if (j) {
        snprintf(j->model_name, sizeof j->model_name, "%s", e.name);
        j->next = NULL;
        j->failed = 0;
    }

    pthread_mutex_lock(&s->mu);
    struct loaded *l = find_loaded(s, e.key);
    if (!l) {
        pthread_mutex_unlock(&s->mu);
        pthread_mutex_lock(&s->load_mu);
        pthread_mutex_lock(&s->mu);
        l = find_loaded(s, e.key);
        if (!l) {
            pthread_mutex_unlock(&s->mu);
            l = load(s, &e, status);
            pthread_mutex_lock(&s->mu);
            if (l) {
                for (int i = 0; i < l->n_slots; i++) {
                    if (pthread_create(&l->workers[i].thread, NULL, worker_main, &l->workers[i]))
                        break;
                    l->n_started++;
                }
                if (l->n_started) {
                    l->next = s->models;
                    s->models = l;
                } else { /* no thread to serve it: give it back */
                    l->stopping = 1;
                    pthread_mutex_unlock(&s->mu);
                    destroy_loaded(s, l);
                    pthread_mutex_lock(&s->mu);
                    l = NULL;
                    *status = 503;
                    err_set("cannot start a thread for the model's slots");
                }
            }
        }
        pthread_mutex_unlock(&s->load_mu);
    }
    if (!l) {
        pthread_mutex_unlock(&s->mu);
        catalog_entry_free(&e);
        return -1;
    }
    if (!j) { /* load only */
        l->last_used = now_ms();
        pthread_mutex_unlock(&s->mu);
        catalog_entry_free(&e);
        return 0;
    }
    j->n_ctx = l->info.n_ctx;
    j->affinity = affinity(&j->in);
    /* An idle slot that holds this conversation's start keeps its KV cache
     * useful; else the slot idle longest (its cache is least likely wanted). */
    struct worker *best = NULL;
    for (int i = 0; i < l->n_started; i++) {
        struct worker *w = &l->workers[i];
        if (!w->idle || w->assigned)
            continue;
        if (w->key == j->affinity) {
            best = w;
            break;
        }
        if (!best || w->idle_since < best->idle_since)
            best = w;
    }
    if (best) {
        best->assigned = j;
        best->idle = 0;
        pthread_cond_broadcast(&l->work);
    } else {
        if (l->tail)
            l->tail->next = j;
        else
            l->head = j;
        l->tail = j;
        pthread_cond_signal(&l->work);
    }
    l->n_queued++;
    l->last_used = now_ms();
    pthread_mutex_unlock(&s->mu);
    catalog_entry_free(&e);
    return 0;
}

static void *janitor_main(void *arg)
{
    struct scheduler *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->quit) {
        struct timespec ts;
        deadline_after_ms(&ts, CLOCK_REALTIME, 250);
        pthread_cond_timedwait(&s->tick, &s->mu, &ts);
        if (s->quit)
            continue;
        int64_t now = now_ms();
        for (struct loaded *l = s->models; l; l = l->next) {
            int64_t keep = keep_alive_of(s, l);
            if (keep < 0 || l->n_active || l->n_queued || now - l->last_used < keep)
                continue;
            unlink_loaded(s, l);
            pthread_mutex_unlock(&s->mu);
            destroy_loaded(s, l);
            pthread_mutex_lock(&s->mu);
            break; /* the list changed: look again at the next tick */
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

struct scheduler *sched_new(const struct sched_opts *o)
{
    struct scheduler *s = calloc(1, sizeof *s);
    if (!s)
        return err_set("out of memory"), NULL;
    s->o = *o;
    if (s->o.parallel < 1)
        s->o.parallel = 1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->load_mu, NULL);
    pthread_cond_init(&s->tick, NULL);
    if (pthread_create(&s->janitor, NULL, janitor_main, s)) {
        pthread_mutex_destroy(&s->mu);
        pthread_mutex_destroy(&s->load_mu);
        pthread_cond_destroy(&s->tick);
        free(s);
        return err_set("cannot start a thread"), NULL;
    }
    return s;
}

void sched_free(struct scheduler *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->quit = 1;
    pthread_cond_broadcast(&s->tick);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->janitor, NULL);
    sched_unload(s, NULL, NULL, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->load_mu);
    pthread_cond_destroy(&s->tick);
    free(s);
}

int sched_list(struct scheduler *s, struct sched_loaded **out, int *n)
{
    pthread_mutex_lock(&s->mu);
    int count = 0;
    for (struct loaded *l = s->models; l; l = l->next)
        count++;
    struct sched_loaded *v = calloc(count ? (size_t)count : 1, sizeof *v);
    if (!v) {
        pthread_mutex_unlock(&s->mu);
        return err_set("out of memory");
    }
    int i = 0;
    for (struct loaded *l = s->models; l; l = l->next, i++) {
        snprintf(v[i].name, sizeof v[i].name, "%s", l->name);
        snprintf(v[i].key, sizeof v[i].key, "%s", l->key);
        v[i].mem_bytes = l->info.mem_bytes;
        v[i].n_ctx = l->info.n_ctx;
        v[i].n_slots = l->n_slots;
        v[i].n_active = l->n_active;
        v[i].n_queued = l->n_queued;
        v[i].n_requests = l->n_requests;
        v[i].n_generated = l->n_generated;
        if (s->o.ops->stats)
            s->o.ops->stats(l->model, &v[i].batch_passes, &v[i].batch_steps);
        v[i].loaded_at = l->loaded_at;
        int64_t keep = keep_alive_of(s, l);
        v[i].expires_at = keep < 0 ? -1 : (l->n_active || l->n_queued) ? 0 : l->last_used + keep;
    }
    pthread_mutex_unlock(&s->mu);
    *out = v;
    *n = count;
    return 0;
}

int sched_unload(struct scheduler *s, const char *name, char ***names, int *n_names)
{
    char *key = NULL;
    if (names)
        *names = NULL;
    if (n_names)
        *n_names = 0;
    if (name) {
        struct catalog_entry e;
        if (catalog_resolve(s->o.catalog, name, &e) < 0)
            return -1;
        key = e.key;
        e.key = NULL;
        catalog_entry_free(&e);
    }
    struct loaded *victims = NULL;
    int n = 0;
    pthread_mutex_lock(&s->mu);
    for (struct loaded *l = s->models, *next; l; l = next) {
        next = l->next;
        if (key && strcmp(l->key, key))
            continue;
        unlink_loaded(s, l);
        l->next = victims;
        victims = l;
        n++;
    }
    pthread_mutex_unlock(&s->mu);
    free(key);
    char **v = names && n ? calloc((size_t)n, sizeof *v) : NULL;
    int k = 0;
    while (victims) {
        struct loaded *next = victims->next;
        if (v)
            v[k++] = strdup(victims->name);
        destroy_loaded(s, victims);
        victims = next;
    }
    if (names) {
        *names = v;
        *n_names = v ? k : 0;
    }
    return n;
}

int sched_keep_alive(struct scheduler *s, const char *name, int64_t ms)
{
    struct catalog_entry e;
    if (catalog_resolve(s->o.catalog, name, &e) < 0)
        return -1;
    pthread_mutex_lock(&s->mu);
    struct loaded *l = find_loaded(s, e.key);
    if (l) {
        l->keep_alive_ms = ms;
        l->last_used = now_ms();
    }
    pthread_cond_broadcast(&s->tick);
    pthread_mutex_unlock(&s->mu);
    catalog_entry_free(&e);
    return 0;
}
