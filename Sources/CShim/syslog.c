#include "shim_syslog.h"
#include <syslog.h>

void cshim_syslog(int priority, const char *message) { syslog(priority, "%s", message); }
