/* mach/error.h: the layout of a mach_error_t.
 *
 * A code is system (6 bits, 31..26) | subsystem (12 bits, 25..14) | code
 * (14 bits). kern_return_t values are system 0, subsystem 0. MIG's codes
 * (-300...) and exec's (6000...) predate the scheme. C and C++. */
#ifndef _MACH_ERROR_H_
#define _MACH_ERROR_H_

#include <mach/kern_return.h>

typedef kern_return_t mach_error_t;
typedef mach_error_t (*mach_error_fn_t)(void);

#define err_none ((mach_error_t)0)
#define ERR_SUCCESS ((mach_error_t)0)
#define ERR_ROUTINE_NIL ((mach_error_fn_t)0)

/* Computed in unsigned arithmetic so that systems >= 0x20 (bit 31) are
 * well defined, then brought back to int. */
#define err_system(x) ((int)(((unsigned)(x) & 0x3f) << 26))
#define err_sub(x) ((int)(((unsigned)(x) & 0xfff) << 14))

#define err_get_system(err) ((int)(((unsigned)(err) >> 26) & 0x3f))
#define err_get_sub(err) ((int)(((unsigned)(err) >> 14) & 0xfff))
#define err_get_code(err) ((int)((unsigned)(err) & 0x3fff))

#define system_emask (err_system(0x3f))
#define sub_emask (err_sub(0xfff))
#define code_emask (0x3fff)

/* Systems. */
#define err_kern err_system(0x0)       /* the kernel */
#define err_us err_system(0x1)         /* user-space libraries */
#define err_server err_system(0x2)     /* user-space servers */
#define err_ipc err_system(0x3)        /* old IPC */
#define err_mach_ipc err_system(0x4)   /* mach_msg */
#define err_bootstrap err_system(0x5)  /* bootstrap */
#define err_hurd err_system(0x10)      /* GNU Hurd servers */
#define err_local err_system(0x3e)     /* the program's own */
#define err_ipc_compat err_system(0x3f) /* old IPC, compatibility */
#define err_max_system 0x3f

/* Older ranges outside the scheme. */
#define err_mig -300
#define err_exec 6000

/* Unix errno values as one subsystem of the kernel system. */
#define err_unix (err_kern | err_sub(3))
#define unix_err(e) (err_kern | err_sub(3) | (e))

/* MS-DOS extended errors. */
#define err_dos (err_kern | err_sub(0xe05))

#define err_emask (err_sub(0x3ff))

#endif /* _MACH_ERROR_H_ */
