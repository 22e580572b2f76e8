/* PLACEHOLDER: being written. */
extern int placeholder_sandbox;
