/*
 * peer.c: who is calling, from the kernel's point of view.  SO_PEERCRED and
 * SO_PEERGROUPS are captured by the kernel at connect() time and cannot be
 * forged by the peer; nothing the peer sends is used to decide privilege.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "accountd.h"
#include "log.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS	59	/* Linux >= 4.13 */
#endif

int
peer_from_socket(int fd, struct peer *p)
{
	struct ucred uc;
	struct passwd pw, *pwp = NULL;
	socklen_t len = sizeof(uc);
	char buf[4096];

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1) {
		log_error("SO_PEERCRED: %s", strerror(errno));
		return -1;
	}
	p->uid = uc.uid;
	p->gid = uc.gid;
	p->pid = uc.pid;
	len = sizeof(p->groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &len) == -1) {
		/* A peer in more groups than we hold gets only its primary one. */
		if (errno != ERANGE) {
			log_error("SO_PEERGROUPS: %s", strerror(errno));
			return -1;
		}
		log_warn("peer uid %u is in more than %zu groups: only its primary "
		    "group is considered", (unsigned)p->uid,
		    sizeof(p->groups) / sizeof(p->groups[0]));
		len = 0;
	}
	p->ngroups = (int)(len / sizeof(gid_t));
	if (getpwuid_r(p->uid, &pw, buf, sizeof(buf), &pwp) == 0 && pwp != NULL)
		snprintf(p->name, sizeof(p->name), "%s", pwp->pw_name);
	else
		snprintf(p->name, sizeof(p->name), "uid %u", (unsigned)p->uid);
	return 0;
}

static int
peer_in_group(const struct peer *p, gid_t gid)
{
	int i;

	if (gid == (gid_t)-1)
		return 0;
	if (p->gid == gid)
		return 1;
	for (i = 0; i < p->ngroups; i++)
		if (p->groups[i] == gid)
			return 1;
	return 0;
}

enum priv
peer_priv(const struct accountd *ad, const struct peer *p)
{
	if (p->uid == 0 || peer_in_group(p, ad->admin_gid))
		return PRIV_ADMIN;
	if (peer_in_group(p, ad->gateway_gid))
		return PRIV_GATEWAY;
	return PRIV_NONE;
}

static gid_t
peer_group_gid(const char *name)
{
	struct group gr, *grp = NULL;
	char buf[16384];

	if (name == NULL || *name == '\0')
		return (gid_t)-1;
	if (getgrnam_r(name, &gr, buf, sizeof(buf), &grp) != 0 || grp == NULL) {
		log_warn("group %s does not exist: nobody gets its rights until it "
		    "is created (groupadd %s) and accountd restarted", name, name);
		return (gid_t)-1;
	}
	return grp->gr_gid;
}

int
peer_resolve_groups(struct accountd *ad)
{
	ad->admin_gid = peer_group_gid(ad->cfg->accountd.admin_group);
	ad->gateway_gid = peer_group_gid(ad->cfg->accountd.gateway_group);
	return 0;
}
