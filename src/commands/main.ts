/** The main job of `npm start`. Until the experiment runner exists it is `doctor`. */
import { Command } from './command';
import { command as doctor } from './doctor';

export const command: Command = {
  async run(args) {
    return doctor.run(args);
  },
};
