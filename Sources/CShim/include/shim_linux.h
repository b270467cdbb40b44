#ifndef CSHIM_LINUX_H
#define CSHIM_LINUX_H
// Linux headers Swift's Glibc module leaves out; importing them through the
// shim makes epoll, timerfd and signalfd visible to the Reactor.
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#endif
