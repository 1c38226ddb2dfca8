import * as electron from 'electron';
import { launchStudio } from './studio-app';

void launchStudio(electron);
