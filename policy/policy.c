/* PLACEHOLDER: being written. */
extern int placeholder_policy;
