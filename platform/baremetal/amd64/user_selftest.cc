// platform/baremetal/amd64/user_selftest.cc: run_user, copyin/copyout and
// the frame calls on real page tables (user.cc).
