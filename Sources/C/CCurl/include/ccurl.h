#ifndef SOR_CCURL_H
#define SOR_CCURL_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic; Swift imports none of them. One wrapper per argument type. */
CURLcode sor_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode sor_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode sor_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode sor_curl_setopt_write_callback(CURL *handle, size_t (*callback)(char *, size_t, size_t, void *));
CURLcode sor_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
#endif
