/** The time source, passed in so that tests can stop or move the clock. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
