/**
 * Receiver feedback policies shared by every transport and the pipeline: the keyframe-request
 * throttle. Sans-IO; time is an argument.
 */
package io.sluice.core.feedback;
