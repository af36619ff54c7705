/* version.h - the version string, shown by `model version` and sent as User-Agent. */
#ifndef COMMON_VERSION_H
#define COMMON_VERSION_H
#define MODEL_VERSION "0.1.0"
#endif
