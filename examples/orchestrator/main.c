/* examples/orchestrator - a small job dispatcher that narrates what it does.
 *
 * An admission thread accepts jobs into a bounded queue; two dispatcher threads take jobs,
 * evaluate every worker in a loop, pick the least loaded one and dispatch the job to it under
 * the job's correlation id. Run it and read the story on stderr. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <narrate/context.h>
#include <narrate/narrate.h>

#define ACTOR "orchestratord"
#define NARRATE_ACTOR ACTOR /* the actor of this file's traced functions */
#define JOBS 6
#define QUEUE_CAP 4
#define WORKERS 3
#define DISPATCHERS 2

typedef struct job {
    char id[16];
    char correlation_id[40];
    int tokens;
    narr_context_t ctx; /* the request's context, handed from admission to the dispatcher */
} job_t;

typedef struct worker {
    const char *id;
    int load;  /* jobs running, out of 8 */
    int latency_ms;
} worker_t;

static job_t queue[QUEUE_CAP];
static int q_head, q_len, admissions_done;
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static worker_t workers[WORKERS] = {{"worker-gpu0-r1", 2, 12}, {"worker-gpu1-r1", 5, 9}, {"worker-cpu0-r1", 1, 40}};
static pthread_mutex_t w_lock = PTHREAD_MUTEX_INITIALIZER;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Returns the job's position in the queue. */
static int enqueue(const job_t *job)
{
    int before, position;
    pthread_mutex_lock(&q_lock);
    while (q_len == QUEUE_CAP) pthread_cond_wait(&q_cond, &q_lock);
    before = q_len;
    queue[(q_head + q_len) % QUEUE_CAP] = *job;
    q_len++;
    NARR_TRACE_STATE(ACTOR, "queue_depth", before, q_len, "Queue depth changed: %d -> %d (added %s)", before, q_len,
                     job->id);
    position = q_len;
    pthread_cond_broadcast(&q_cond);
    pthread_mutex_unlock(&q_lock);
    return position;
}

/* Returns 0 when admissions are over and the queue is empty. */
static int dequeue(job_t *out)
{
    int before;
    pthread_mutex_lock(&q_lock);
    while (q_len == 0 && !admissions_done) pthread_cond_wait(&q_cond, &q_lock);
    if (q_len == 0) {
        pthread_mutex_unlock(&q_lock);
        return 0;
    }
    before = q_len;
    *out = queue[q_head];
    q_head = (q_head + 1) % QUEUE_CAP;
    q_len--;
    NARR_TRACE_STATE(ACTOR, "queue_depth", before, q_len, "Queue depth changed: %d -> %d (took %s)", before, q_len,
                     out->id);
    pthread_cond_broadcast(&q_cond);
    pthread_mutex_unlock(&q_lock);
    return 1;
}

/* Traced by narrate-gen: enter with the job id, exit with the chosen worker and the time. */
NARR_TRACE_FN_WITH("err=null")
static worker_t *select_worker(const char *job_id)
{
    worker_t *best = NULL;
    int i;
    (void)job_id;
    pthread_mutex_lock(&w_lock);
    for (i = 0; i < WORKERS; i++) {
        worker_t *w = &workers[i];
        NARR_TRACE_LOOP(ACTOR, "select_worker", i, WORKERS, "worker=%s, load=%d/8, latency=%dms", w->id, w->load,
                        w->latency_ms);
        if (w->load < 8 && (best == NULL || w->load < best->load)) best = w;
    }
    if (best != NULL) best->load++;
    pthread_mutex_unlock(&w_lock);
    return best;
}

static void *admission(void *arg)
{
    int i;
    (void)arg;
    for (i = 0; i < JOBS; i++) {
        job_t job;
        memset(&job, 0, sizeof job);
        snprintf(job.id, sizeof job.id, "job-%d", 120 + i);
        snprintf(job.correlation_id, sizeof job.correlation_id, "req-%04x-%02d", 0xa11c, i);
        job.tokens = 64 * (i + 1);
        narr_context_new(&job.ctx, job.correlation_id);
        narr_context_enter(&job.ctx);
        NARR_TRACE_CORR(ACTOR, "accept", job.id, job.correlation_id, "Accepted %s (%d tokens)", job.id, job.tokens);
        {
            int position = enqueue(&job);
            NARR_NARRATE(NARR_LEVEL_INFO, .actor = ACTOR, .action = "admit", .target = job.id, .job_id = job.id,
                         .queue_position = NARR_V(position), .tokens_in = NARR_V(job.tokens),
                         .human = NARR_FMT("Accepted request; queued at position %d", position),
                         .cute = NARR_FMT("%s snuggled into the queue at spot %d!", job.id, position),
                         .story = NARR_FMT("\"Room for one more?\" asked %s. \"Spot %d is yours,\" said the queue.",
                                           job.id, position));
        }
        narr_context_leave();
        sleep_ms(3);
    }
    pthread_mutex_lock(&q_lock);
    admissions_done = 1;
    pthread_cond_broadcast(&q_cond);
    pthread_mutex_unlock(&q_lock);
    return NULL;
}

/* Traced by narrate-gen: every parameter by type, the result and the elapsed time. */
NARR_TRACE_FN
static const char *dispatch_job(const char *job_id, const char *correlation_id, int tokens, const char *dispatcher)
{
    worker_t *w = select_worker(job_id);
    (void)dispatcher;
    if (w == NULL) {
        NARR_WARN(ACTOR, "dispatch", job_id, "No worker has room; %s waits", job_id);
        return NULL;
    }
    NARR_TRACE_CORR(ACTOR, "dispatch", w->id, correlation_id, "Dispatching %s to %s", job_id, w->id);
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = ACTOR, .action = "dispatch", .target = job_id, .job_id = job_id,
                 .worker_id = w->id, .pool_id = "default", .engine = "llamacpp", .device = "GPU0",
                 .human = NARR_FMT("Dispatched %s to %s", job_id, w->id),
                 .cute = NARR_FMT("Off you go, %s! %s will take good care of you.", job_id, w->id));
    sleep_ms(w->latency_ms / 4);
    pthread_mutex_lock(&w_lock);
    w->load--;
    pthread_mutex_unlock(&w_lock);
    if (tokens == 256) {
        /* a worker that cannot reach its model store: the message holds a secret that must not print */
        NARR_NARRATE(NARR_LEVEL_ERROR, .actor = ACTOR, .action = "fetch_model", .target = job_id, .job_id = job_id,
                     .worker_id = w->id, .error_kind = "model_store_unreachable", .retry_after_ms = NARR_V(500),
                     .human = NARR_FMT("Model store https://svc:%s@models.internal:8443 refused %s; retrying",
                                       "s3cr3t-pass", job_id),
                     .cute = NARR_FMT("Oh no, the model store said no to %s. We will try again soon!", job_id));
    }
    NARR_NARRATE(NARR_LEVEL_INFO, .actor = ACTOR, .action = "complete", .target = job_id, .job_id = job_id,
                 .worker_id = w->id, .tokens_out = NARR_V(tokens), .duration_ms = NARR_V(w->latency_ms / 4),
                 .human = NARR_FMT("Finished %s on %s: %d tokens", job_id, w->id, tokens),
                 .cute = NARR_FMT("%s is all done, %d tokens later. Well done, %s!", job_id, tokens, w->id));
    return w->id;
}

static void *dispatcher(void *arg)
{
    const char *name = arg;
    job_t job;
    while (dequeue(&job)) {
        narr_context_enter(&job.ctx); /* the request's context follows it to this thread */
        dispatch_job(job.id, job.correlation_id, job.tokens, name);
        narr_context_leave();
    }
    return NULL;
}

int main(void)
{
    pthread_t adm, disp[DISPATCHERS];
    static const char *names[DISPATCHERS] = {"d0", "d1"};
    int i;
    narr_config_t cfg = {0};
    cfg.program = "orchestratord@0.3.1";
    narr_init(&cfg);
    NARR_INFO(ACTOR, "start", "pool-default", "Starting with %d workers and %d dispatchers", WORKERS, DISPATCHERS);
    pthread_create(&adm, NULL, admission, NULL);
    for (i = 0; i < DISPATCHERS; i++) pthread_create(&disp[i], NULL, dispatcher, (void *)names[i]);
    pthread_join(adm, NULL);
    for (i = 0; i < DISPATCHERS; i++) pthread_join(disp[i], NULL);
    NARR_INFO(ACTOR, "stop", "pool-default", "All %d jobs finished", JOBS);
    return 0; /* narrate flushes at exit: nothing is lost */
}
