/*
 * sse.h - streamed response bodies: a byte pipe from the thread that
 * generates to the connection's thread that sends, with server-sent events
 * framing for OpenAI ("data: {...}\n\n", ending "data: [DONE]\n\n") and
 * newline-delimited JSON for Ollama.
 *
 * The pipe is shared by two owners (the generating job and the response)
 * and freed when both have let go. When the client disconnects, the sender
 * notices (a failed write, or the socket closing while it waits) and sets
 * `cancel`, which the generation loop polls: the slot is freed at the next
 * token.
 */
#ifndef SERVER_SSE_H
#define SERVER_SSE_H

#include <signal.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

struct stream {
    volatile sig_atomic_t cancel; /* set when the client has gone; generation stops */
};

/* fd: the client's socket (to notice it closing while nothing is written). */
struct stream *stream_new(int fd);
/* The response that sends what is written; takes the consumer's reference. */
struct MHD_Response *stream_response(struct stream *s, const char *content_type);
/* Append bytes; -1 when the client is gone (nothing more is worth writing). */
int stream_write(struct stream *s, const char *data, size_t len);
/* No more data: the response ends once drained. Drops the producer's reference. */
void stream_finish(struct stream *s);

/* "data: <json>\n\n" (j not freed). */
int sse_event(struct stream *s, const cJSON *j);
/* "data: [DONE]\n\n". */
int sse_done(struct stream *s);
/* "<json>\n" for Ollama's application/x-ndjson. */
int ndjson_line(struct stream *s, const cJSON *j);

#endif
