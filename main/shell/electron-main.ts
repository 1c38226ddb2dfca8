import * as electron from 'electron';
import { keepServingOnUncaughtErrors } from '../core/last-resort';
import { launchStudio } from './studio-app';

keepServingOnUncaughtErrors();
void launchStudio(electron);
