#ifndef CSHIM_SYSLOG_H
#define CSHIM_SYSLOG_H
// syslog(3) is variadic; this logs one preformatted message.
void cshim_syslog(int priority, const char *message);
#endif
