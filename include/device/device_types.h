/* device/device_types.h: the types device.defs names, device open modes
 * and the device error codes (io_return_t). C and C++. */
#ifndef _DEVICE_DEVICE_TYPES_H_
#define _DEVICE_DEVICE_TYPES_H_

#include <mach/std_types.h>

typedef mach_port_t device_t;

/* A device's name for device_open, NUL-terminated. */
typedef char dev_name_t[128];
typedef const char *const_dev_name_t;

/* device_open modes. */
typedef unsigned int dev_mode_t;
#define D_READ 0x1
#define D_WRITE 0x2
#define D_NODELAY 0x4 /* open without waiting (e.g. for carrier) */
#define D_NOWAIT 0x8  /* fail with D_WOULD_BLOCK rather than wait for data */

/* Data for device_read/device_write: out-of-line, or inline up to
 * IO_INBAND_MAX bytes. */
typedef char *io_buf_ptr_t;
typedef const char *const_io_buf_ptr_t;
#define IO_INBAND_MAX (128)
typedef char io_buf_ptr_inband_t[IO_INBAND_MAX];
typedef const char *const_io_buf_ptr_inband_t;

typedef struct {
  vm_offset_t data;
  vm_size_t count;
} io_buf_vec_t;

/* A record (block) number. */
typedef long_natural_t recnum_t;
typedef rpc_long_natural_t rpc_recnum_t;

/* device_get_status/device_set_status: a flavor and an int array. */
typedef unsigned int dev_flavor_t;
typedef int *dev_status_t;
typedef const int *const_dev_status_t;
#define DEV_STATUS_MAX (1024)
typedef int dev_status_data_t[DEV_STATUS_MAX];

/* Flavors every device answers. */
#define DEV_GET_SIZE 0
#define DEV_GET_SIZE_DEVICE_SIZE 0 /* bytes, 0 if unknown */
#define DEV_GET_SIZE_RECORD_SIZE 1 /* bytes per record, 1 if sequential */
#define DEV_GET_SIZE_COUNT 2
#define DEV_GET_RECORDS 1
#define DEV_GET_RECORDS_DEVICE_RECORDS 0 /* records, 0 if unknown */
#define DEV_GET_RECORDS_RECORD_SIZE 1    /* bytes per record, 1 if sequential */
#define DEV_GET_RECORDS_COUNT 2

typedef int io_return_t;
#define D_IO_QUEUED (-1) /* kernel-internal: the reply comes later */
#define D_SUCCESS 0
#define D_IO_ERROR 2500
#define D_WOULD_BLOCK 2501
#define D_NO_SUCH_DEVICE 2502
#define D_ALREADY_OPEN 2503 /* exclusive device already open */
#define D_DEVICE_DOWN 2504
#define D_INVALID_OPERATION 2505
#define D_INVALID_RECNUM 2506
#define D_INVALID_SIZE 2507
#define D_NO_MEMORY 2508
#define D_READ_ONLY 2509

#endif /* _DEVICE_DEVICE_TYPES_H_ */
