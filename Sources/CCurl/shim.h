// libcurl for Swift: curl_easy_setopt and curl_easy_getinfo are variadic, which
// Swift cannot call, so each kind of argument gets a typed wrapper here. Only the
// `Curl` module imports this.
#include <curl/curl.h>

typedef size_t (*aimem_curl_write_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode aimem_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode aimem_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode aimem_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode aimem_curl_setopt_size(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode aimem_curl_setopt_write_function(CURL *handle, aimem_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode aimem_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
