/*
 * fuzz_request.c: libFuzzer target for the accountd request decoder, the
 * first code to touch what any local peer writes to the socket.  A decoded
 * request is re-encoded and decoded again, which must give the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request req, again;
	char err[256], *frame;

	if (proto_decode_request((const char *)data, size, &req, err,
	    sizeof(err)) != API_OK)
		return 0;
	frame = proto_encode_request(req.method, req.params);
	if (frame == NULL)
		abort();
	if (proto_decode_request(frame, strlen(frame) - 1, &again, err,
	    sizeof(err)) != API_OK || strcmp(req.method, again.method) != 0 ||
	    !json_equal(req.params, again.params))
		abort();
	proto_request_clear(&again);
	proto_request_clear(&req);
	free(frame);
	return 0;
}
