// libcurl for Swift, loaded at run time: ai-mem links nothing of libcurl (and of
// OpenSSL behind it), so a command that never reaches an https:// embedder pays
// nothing for it at start-up. aimem_curl_load() opens libcurl.so.4 once; every
// other function calls through the pointers it found. curl_easy_setopt and
// curl_easy_getinfo are variadic, which Swift cannot call: each kind of argument
// gets a typed wrapper. Only the `Curl` module imports this.
#ifndef AIMEM_CCURL_H
#define AIMEM_CCURL_H

#include <curl/curl.h>

typedef size_t (*aimem_curl_write_callback)(char *data, size_t size, size_t count, void *context);

/// Loads libcurl and runs curl_global_init, once. NULL on success, else why not (dlerror's text).
const char *aimem_curl_load(void);

CURL *aimem_curl_easy_init(void);
void aimem_curl_easy_cleanup(CURL *handle);
CURLcode aimem_curl_easy_perform(CURL *handle);
const char *aimem_curl_easy_strerror(CURLcode code);
struct curl_slist *aimem_curl_slist_append(struct curl_slist *list, const char *text);
void aimem_curl_slist_free_all(struct curl_slist *list);

CURLcode aimem_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode aimem_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode aimem_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode aimem_curl_setopt_size(CURL *handle, CURLoption option, curl_off_t value);
CURLcode aimem_curl_setopt_write_function(CURL *handle, aimem_curl_write_callback callback);
CURLcode aimem_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);

#endif
