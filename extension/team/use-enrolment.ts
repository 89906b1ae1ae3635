import { useEffect, useState } from 'react';
import type { Enrolment } from '../../protocol/team.js';
import { loadEnrolment, onEnrolmentChanged } from './team-storage.js';

/** This browser's team enrolment, kept current (undefined when not enrolled, or until read). */
export function useEnrolment(): Enrolment | undefined {
  const [enrolment, setEnrolment] = useState<Enrolment>();
  useEffect(() => {
    const load = () => void loadEnrolment().then(setEnrolment);
    load();
    return onEnrolmentChanged(load);
  }, []);
  return enrolment;
}
