#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

static CURLcode (*global_init)(long);
static CURL *(*easy_init)(void);
static void (*easy_cleanup)(CURL *);
static CURLcode (*easy_perform)(CURL *);
static const char *(*easy_strerror)(CURLcode);
static struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
static void (*slist_free_all)(struct curl_slist *);
static CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
static CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *failure = NULL;

static void load(void) {
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) { failure = dlerror(); if (!failure) failure = "libcurl.so.4 cannot be loaded"; return; }
#define FIND(var, name) do { *(void **)(&var) = dlsym(lib, name); if (!var) { failure = "libcurl.so.4 lacks " name; return; } } while (0)
    FIND(global_init, "curl_global_init");
    FIND(easy_init, "curl_easy_init");
    FIND(easy_cleanup, "curl_easy_cleanup");
    FIND(easy_perform, "curl_easy_perform");
    FIND(easy_strerror, "curl_easy_strerror");
    FIND(slist_append, "curl_slist_append");
    FIND(slist_free_all, "curl_slist_free_all");
    FIND(easy_setopt, "curl_easy_setopt");
    FIND(easy_getinfo, "curl_easy_getinfo");
#undef FIND
    if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) failure = "curl_global_init failed";
}

const char *aimem_curl_load(void) {
    pthread_once(&once, load);
    return failure;
}

CURL *aimem_curl_easy_init(void) { return easy_init(); }
void aimem_curl_easy_cleanup(CURL *handle) { easy_cleanup(handle); }
CURLcode aimem_curl_easy_perform(CURL *handle) { return easy_perform(handle); }
const char *aimem_curl_easy_strerror(CURLcode code) { return easy_strerror(code); }
struct curl_slist *aimem_curl_slist_append(struct curl_slist *list, const char *text) { return slist_append(list, text); }
void aimem_curl_slist_free_all(struct curl_slist *list) { slist_free_all(list); }

CURLcode aimem_curl_setopt_long(CURL *handle, CURLoption option, long value) { return easy_setopt(handle, option, value); }
CURLcode aimem_curl_setopt_string(CURL *handle, CURLoption option, const char *value) { return easy_setopt(handle, option, value); }
CURLcode aimem_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) { return easy_setopt(handle, option, value); }
CURLcode aimem_curl_setopt_size(CURL *handle, CURLoption option, curl_off_t value) { return easy_setopt(handle, option, value); }
CURLcode aimem_curl_setopt_write_function(CURL *handle, aimem_curl_write_callback callback) {
    return easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
CURLcode aimem_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) { return easy_getinfo(handle, info, value); }
