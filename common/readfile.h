/*
 * readfile.h - a whole file or stream into memory, for prompts, texts to
 * measure and chat templates. The buffer is NUL-terminated (so text can be
 * used as a C string) and *len, when asked for, excludes that NUL.
 */
#ifndef COMMON_READFILE_H
#define COMMON_READFILE_H

#include <stddef.h>
#include <stdio.h>

/* Everything left in f. NULL with err set on a read error or out of memory. */
char *read_stream(FILE *f, size_t *len);

/* The whole file at path. NULL with err set naming path. */
char *read_file(const char *path, size_t *len);

#endif
