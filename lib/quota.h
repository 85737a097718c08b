/*
 * quota.h: an account's resource quota, in the integers units.h produces.
 */
#ifndef MEDUSE_QUOTA_H
#define MEDUSE_QUOTA_H

#include <stdint.h>

struct quota {
	int64_t	cpu_milli;	/* CPU, millicores */
	int64_t	memory_bytes;	/* memory requests and limits, bytes */
	int64_t	gpu;		/* nvidia.com/gpu, whole devices */
	int64_t	storage_bytes;	/* all PVC requests together, bytes */
	int64_t	home_bytes;	/* size of the home PVC, bytes */
	int64_t	pvcs;		/* number of PVCs */
};

#endif
