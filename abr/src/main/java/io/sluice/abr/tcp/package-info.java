/**
 * Rate control for publishers over TCP (RTMP/RTMPS): {@link io.sluice.abr.tcp.SendQueueController} turns the
 * send buffer's queued media and drain rate into a target link rate. Sans-IO, time as input.
 */
package io.sluice.abr.tcp;
